"""Accounts context."""
