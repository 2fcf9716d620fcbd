"""Bounded contexts: each with services (rules), schemas and thin controllers."""
