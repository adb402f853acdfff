-- In 0001_init.sql (PostgreSQL starts from the schema SQLite reached by 0003_jobs.sql).
SELECT 1;
