-- The newest stamp SaveEdition gave articles, kept in one row: the next
-- write stamps after it (so stamps follow commit order, even if the clock
-- steps back or the newest articles are removed) and a digest run ends its
-- window at it, in one look-up instead of a scan of every article.
CREATE TABLE stamps (
    name  TEXT PRIMARY KEY,
    stamp TEXT NOT NULL
);
INSERT INTO stamps (name, stamp) SELECT 'articles', COALESCE(MAX(updated_at), '') FROM articles;
