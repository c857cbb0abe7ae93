"""Municipalities (Kommunen) and their pages."""
