"""Congresses context."""
