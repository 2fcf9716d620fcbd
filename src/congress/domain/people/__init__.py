"""People context."""
