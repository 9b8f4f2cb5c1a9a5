"""Policies turn signals and scores into approve, decline or refer, with limit, price and reasons."""
