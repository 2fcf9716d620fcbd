"""Persistence: declarative base, models by aggregate, engines and migrations."""
