"""Download counts over the stats job's reports, kept in PostgreSQL, cached in Redis."""
