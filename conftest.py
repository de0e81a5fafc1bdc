"""Shared fixtures for every test folder (jifen/… and tests/…)."""

pytest_plugins = ["jifen.fixtures"]
