-- article_topics_by_date (0005) leads with topic too, so the old
-- (topic, article_id) index only costs writes.
DROP INDEX article_topics_by_topic;
