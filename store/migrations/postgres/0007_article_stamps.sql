-- In 0001_init.sql (PostgreSQL starts from the schema SQLite reached by 0007_article_stamps.sql).
SELECT 1;
