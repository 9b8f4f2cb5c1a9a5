"""Benchmarks: `make bench` (or `python -m bench [NAME ...]`) runs them and rewrites
docs/performance.md with the figures. No unit test asserts a timing; these are the figures."""
