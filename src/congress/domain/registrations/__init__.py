"""Registrations context."""
