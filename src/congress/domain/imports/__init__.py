"""Imports from spreadsheets, calendars and frab schedules: all rows checked, then all written or none."""
