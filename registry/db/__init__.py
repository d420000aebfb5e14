"""Database engine from settings, the single Piccolo app and its migrations, the write-transaction helper."""
