"""Signed QR badges: the congress signing keys, one badge per registration, revocation."""
