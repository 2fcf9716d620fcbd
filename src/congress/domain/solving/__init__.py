"""Solve runs of the programme: start, watch, cancel."""
