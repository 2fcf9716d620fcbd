"""The outbox of change notices: what was written for whom, and whether it went out."""
