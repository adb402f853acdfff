-- In 0001_init.sql (PostgreSQL starts from the schema SQLite reached by 0002_feed_page_order.sql).
SELECT 1;
