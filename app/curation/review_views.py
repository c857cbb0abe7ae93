"""Placeholder module list entry: the review queue lives in views.py itself."""
