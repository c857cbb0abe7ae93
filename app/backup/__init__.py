"""Backups: everything in the database as one archive, and restore onto an empty installation."""
