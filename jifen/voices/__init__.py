"""Voices: surveys, the feedback box and the monthly newsletter."""
