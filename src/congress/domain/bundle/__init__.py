"""Bundle context."""
