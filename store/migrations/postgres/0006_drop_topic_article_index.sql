-- In 0001_init.sql (PostgreSQL starts from the schema SQLite reached by 0006_drop_topic_article_index.sql).
SELECT 1;
