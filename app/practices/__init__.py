"""Practices (Lösungsansätze), their revisions, experience reports and file format."""
