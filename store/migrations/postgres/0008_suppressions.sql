-- In 0001_init.sql (PostgreSQL starts from the schema SQLite reached by 0008_suppressions.sql).
SELECT 1;
