"""Levers (Hebel) and topics (Handlungsfelder) of SPEC §4."""
