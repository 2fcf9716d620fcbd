"""Attendance from badge scans at session doors, and the CME credits it earns."""
