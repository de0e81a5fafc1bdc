"""Periodic recognition work, run by `jifen worker`."""
