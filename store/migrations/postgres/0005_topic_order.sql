-- In 0001_init.sql (PostgreSQL starts from the schema SQLite reached by 0005_topic_order.sql).
SELECT 1;
