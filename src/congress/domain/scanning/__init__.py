"""Door scanning: scanner devices, what they take offline, scan ingest (one at a time or in batches), occupancy."""
