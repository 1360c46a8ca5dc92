"""Result tables, CSV files, the manifest: the edge where records become rows."""
