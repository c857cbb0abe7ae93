"""Accounts: users, roles, sign-in."""
