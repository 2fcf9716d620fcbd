"""Schedule context."""
