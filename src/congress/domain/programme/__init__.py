"""Programme context."""
