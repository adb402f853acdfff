-- Change tracking, so that a daemon notices what any process (another
-- `paperboy ingest`, a hand edit with the sqlite3 shell) changed, and only
-- that: every write to articles or their topics advances one counter and
-- marks the edition dates it touched with the counter's new value. Readers
-- poll the one row (microseconds) and, when it moved, ask which editions
-- have a newer mark. Triggers, not Go code, so no writer can forget it.
CREATE TABLE change_counter (
    name TEXT PRIMARY KEY,
    gen  INTEGER NOT NULL
);
INSERT INTO change_counter (name, gen) VALUES ('articles', 1);

CREATE TABLE edition_changes (
    edition_date TEXT PRIMARY KEY,
    gen          INTEGER NOT NULL        -- change_counter.gen after its last change
);
CREATE INDEX edition_changes_by_gen ON edition_changes (gen);
INSERT INTO edition_changes (edition_date, gen) SELECT DISTINCT edition_date, 1 FROM articles;

-- article_gone: ids that existed and were removed, so their permalinks
-- answer 410 Gone, or 301 to moved_to when the same article came back
-- under another id (a file renamed to another date). The text columns are
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

CREATE TRIGGER articles_insert_changes AFTER INSERT ON articles BEGIN
    UPDATE change_counter SET gen = gen + 1 WHERE name = 'articles';
    INSERT INTO edition_changes (edition_date, gen)
        VALUES (NEW.edition_date, (SELECT gen FROM change_counter WHERE name = 'articles'))
        ON CONFLICT (edition_date) DO UPDATE SET gen = excluded.gen;
    DELETE FROM article_gone WHERE id = NEW.id;
END;

CREATE TRIGGER articles_update_changes AFTER UPDATE ON articles BEGIN
    UPDATE change_counter SET gen = gen + 1 WHERE name = 'articles';
    INSERT INTO edition_changes (edition_date, gen)
        VALUES (NEW.edition_date, (SELECT gen FROM change_counter WHERE name = 'articles'))
        ON CONFLICT (edition_date) DO UPDATE SET gen = excluded.gen;
    INSERT INTO edition_changes (edition_date, gen)
        VALUES (OLD.edition_date, (SELECT gen FROM change_counter WHERE name = 'articles'))
        ON CONFLICT (edition_date) DO UPDATE SET gen = excluded.gen;
END;

CREATE TRIGGER articles_delete_changes AFTER DELETE ON articles BEGIN
    UPDATE change_counter SET gen = gen + 1 WHERE name = 'articles';
    INSERT INTO edition_changes (edition_date, gen)
        VALUES (OLD.edition_date, (SELECT gen FROM change_counter WHERE name = 'articles'))
        ON CONFLICT (edition_date) DO UPDATE SET gen = excluded.gen;
    INSERT INTO article_gone (id, edition_date, kind, text, removed_at)
        VALUES (OLD.id, OLD.edition_date, OLD.kind,
            OLD.kicker || OLD.title || OLD.subtitle || substr(OLD.paragraphs, 1, 600),
            strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now'))
        ON CONFLICT (id) DO UPDATE SET edition_date = excluded.edition_date, kind = excluded.kind,
            text = excluded.text, moved_to = '', removed_at = excluded.removed_at;
END;

CREATE TRIGGER article_topics_insert_changes AFTER INSERT ON article_topics BEGIN
    UPDATE change_counter SET gen = gen + 1 WHERE name = 'articles';
    INSERT INTO edition_changes (edition_date, gen)
        VALUES (NEW.edition_date, (SELECT gen FROM change_counter WHERE name = 'articles'))
        ON CONFLICT (edition_date) DO UPDATE SET gen = excluded.gen;
END;

CREATE TRIGGER article_topics_delete_changes AFTER DELETE ON article_topics BEGIN
    UPDATE change_counter SET gen = gen + 1 WHERE name = 'articles';
    INSERT INTO edition_changes (edition_date, gen)
        VALUES (OLD.edition_date, (SELECT gen FROM change_counter WHERE name = 'articles'))
        ON CONFLICT (edition_date) DO UPDATE SET gen = excluded.gen;
END;
