-- In 0001_init.sql (PostgreSQL starts from the schema SQLite reached by 0009_changes.sql).
SELECT 1;
