"""Reproducible sdists for every `python_distribution` (see `rules.py`)."""
