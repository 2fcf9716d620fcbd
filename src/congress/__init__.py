"""congress: scheduling and session management for radiology congresses."""

__version__ = "0.1.0"
