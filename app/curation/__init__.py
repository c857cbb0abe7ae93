"""The organisers' area (/redaktion): review queue and publication decisions."""
