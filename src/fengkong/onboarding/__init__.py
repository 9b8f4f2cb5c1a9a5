"""Applicants and applications: validation, normalization, the personal-data vault, consent."""
