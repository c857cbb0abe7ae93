"""Atom feeds of newly published entries."""
