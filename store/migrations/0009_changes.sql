-- Change tracking, so that a daemon notices what any process (another
-- `paperboy ingest`, a hand edit with the sqlite3 shell) changed, and only
-- that: every write to articles or their topics appends the edition date
-- it touched to change_log. Readers poll MAX(seq) (microseconds) and, when
-- it moved, read the dates logged after the seq they have seen. Triggers,
-- not Go code, so no writer can forget it. Inserts log a date only when
-- the newest row is another date: SaveEdition starts every transaction
-- with a barrier row (edition_date ''), so a page of articles costs one
-- row, yet a later save of the same date is logged again. SaveEdition
-- keeps the newest rows only; a reader that fell further behind than that
-- re-reads all.
CREATE TABLE change_log (
    seq          INTEGER PRIMARY KEY,
    edition_date TEXT NOT NULL
);

-- article_gone: ids that existed and were removed, so their permalinks
-- answer 410 Gone, or 301 to moved_to when the same article came back
-- under another id (a file renamed to another date). The text column is
-- what SaveEdition compares a new article with to recognise it.
CREATE TABLE article_gone (
    id           TEXT PRIMARY KEY,
    edition_date TEXT NOT NULL,
    kind         TEXT NOT NULL,
    text         TEXT NOT NULL,          -- headline parts and the start of the paragraphs
    moved_to     TEXT NOT NULL DEFAULT '',
    removed_at   TEXT NOT NULL
);
CREATE INDEX article_gone_by_removed ON article_gone (removed_at);

CREATE TRIGGER articles_insert_log AFTER INSERT ON articles
WHEN (SELECT edition_date FROM change_log ORDER BY seq DESC LIMIT 1) IS NOT NEW.edition_date BEGIN
    INSERT INTO change_log (edition_date) VALUES (NEW.edition_date);
END;

CREATE TRIGGER articles_insert_ungone AFTER INSERT ON articles
WHEN EXISTS (SELECT 1 FROM article_gone WHERE id = NEW.id) BEGIN
    DELETE FROM article_gone WHERE id = NEW.id;
END;

CREATE TRIGGER articles_update_log AFTER UPDATE ON articles BEGIN
    INSERT INTO change_log (edition_date) VALUES (NEW.edition_date);
    INSERT INTO change_log (edition_date) SELECT OLD.edition_date WHERE OLD.edition_date <> NEW.edition_date;
END;

CREATE TRIGGER articles_delete_log AFTER DELETE ON articles BEGIN
    INSERT INTO change_log (edition_date) VALUES (OLD.edition_date);
    INSERT INTO article_gone (id, edition_date, kind, text, removed_at)
        VALUES (OLD.id, OLD.edition_date, OLD.kind,
            OLD.kicker || OLD.title || OLD.subtitle || substr(OLD.paragraphs, 1, 600),
            strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now'))
        ON CONFLICT (id) DO UPDATE SET edition_date = excluded.edition_date, kind = excluded.kind,
            text = excluded.text, moved_to = '', removed_at = excluded.removed_at;
END;

CREATE TRIGGER article_topics_insert_log AFTER INSERT ON article_topics
WHEN (SELECT edition_date FROM change_log ORDER BY seq DESC LIMIT 1) IS NOT NEW.edition_date BEGIN
    INSERT INTO change_log (edition_date) VALUES (NEW.edition_date);
END;

CREATE TRIGGER article_topics_delete_log AFTER DELETE ON article_topics BEGIN
    INSERT INTO change_log (edition_date) VALUES (OLD.edition_date);
END;

INSERT INTO change_log (edition_date) SELECT DISTINCT edition_date FROM articles;
