"""Shared kernel: money, clock, ids, errors and settings. No I/O beyond reading settings."""
