"""Publishing released schedules: the event ledger, iCal feeds, frab and table exports, change notices."""
