-- In 0001_init.sql (PostgreSQL starts from the schema SQLite reached by 0004_articles_fewer_indexes.sql).
SELECT 1;
