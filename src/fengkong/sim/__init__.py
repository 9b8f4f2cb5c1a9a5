"""Synthetic borrowers and traffic that drive the real services through the clock."""
