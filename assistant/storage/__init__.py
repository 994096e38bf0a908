"""Storage: the SQLite log (Store), its schema and migrations, the fast reader, and backups."""
