"""Runnable examples: demo congresses generated deterministically."""
