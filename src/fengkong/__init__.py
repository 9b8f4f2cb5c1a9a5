"""Fengkong (风控): risk control for online lenders."""

__version__ = "0.1.0"
