"""Shared building blocks: base schema, errors, security helpers, route helpers."""
