"""Transaction options shared by the engines and the request session."""

from __future__ import annotations

# Execution option marking a transaction that will write. On SQLite it begins
# IMMEDIATE (takes the write lock at once, waiting up to busy_timeout), so a
# transaction that reads and then writes cannot fail halfway because another
# writer committed in between. PostgreSQL ignores it.
WRITE_INTENT = "congress_write"
