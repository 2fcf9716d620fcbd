"""Scheduling: the database ⇄ solver adapter, solve jobs, releases and warnings."""
