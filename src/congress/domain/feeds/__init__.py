"""Calendar feeds of released programmes: public ones, and personal ones behind secret links."""
