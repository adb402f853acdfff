-- The initial schema: everything paperboy keeps.
-- Migrations are append-only: never edit a released file, add the next number.
-- Times are TEXT in UTC, fixed width "2006-01-02T15:04:05.000000Z", so they
-- sort as strings; dates are TEXT "YYYY-MM-DD". JSON columns are TEXT.

-- sources: one row per ingested file (page text or Markdown).
CREATE TABLE sources (
    name         TEXT PRIMARY KEY,      -- path relative to its directory, e.g. "pages/2021-07-20.txt"
    edition_date TEXT NOT NULL,
    content_hash TEXT NOT NULL,         -- SHA-256 hex of the raw file bytes
    warnings     INTEGER NOT NULL DEFAULT 0,
    ingested_at  TEXT NOT NULL
);

-- articles: every item of every edition, keyed by content.StableID.
CREATE TABLE articles (
    id           TEXT PRIMARY KEY,
    source       TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
    edition_date TEXT NOT NULL,
    position     INTEGER NOT NULL,      -- order within its source
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    kicker       TEXT NOT NULL DEFAULT '',
    subtitle     TEXT NOT NULL DEFAULT '',
    byline       TEXT NOT NULL DEFAULT '',
    authors      TEXT NOT NULL DEFAULT '[]',   -- JSON [{"name","role"}]
    paragraphs   TEXT NOT NULL DEFAULT '[]',   -- JSON ["..."]
    summary      TEXT NOT NULL DEFAULT '',
    line_first   INTEGER NOT NULL DEFAULT 0,
    line_last    INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL,         -- SHA-256 hex of the article's content fields
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX articles_by_edition ON articles (edition_date, source, position);
CREATE INDEX articles_by_source ON articles (source);
CREATE INDEX articles_by_updated ON articles (updated_at);

CREATE TABLE article_topics (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic      TEXT NOT NULL,           -- topic slug from config
    PRIMARY KEY (article_id, topic)
);
CREATE INDEX article_topics_by_topic ON article_topics (topic, article_id);

-- digest_runs: the outbox's head, one row per (digest, scheduled slot).
CREATE TABLE digest_runs (
    id           INTEGER PRIMARY KEY,
    digest       TEXT NOT NULL,
    slot         TEXT NOT NULL,         -- the scheduled time this run is for
    status       TEXT NOT NULL,         -- sending | done | skipped | failed
    subject      TEXT NOT NULL DEFAULT '',
    article_ids  TEXT NOT NULL DEFAULT '[]',  -- JSON: the articles frozen at creation, so a resumed run sends the same digest
    window_start TEXT NOT NULL DEFAULT '',    -- articles updated after this...
    window_end   TEXT NOT NULL DEFAULT '',    -- ...and up to this
    error        TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL DEFAULT '',
    UNIQUE (digest, slot)
);
CREATE INDEX digest_runs_by_digest ON digest_runs (digest, slot);

-- deliveries: one row per recipient of a run, created with the run.
CREATE TABLE deliveries (
    run_id          INTEGER NOT NULL REFERENCES digest_runs(id) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,      -- bare address, lower-cased domain
    list            TEXT NOT NULL,      -- recipient list it came from
    message_id      TEXT NOT NULL,      -- stable per (run, recipient)
    status          TEXT NOT NULL,      -- pending | sent | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL DEFAULT '',
    last_code       INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, recipient)
);
CREATE INDEX deliveries_by_status ON deliveries (run_id, status);

CREATE TABLE unsubscribes (
    list       TEXT NOT NULL,
    address    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (list, address)
);

-- job_runs: every scheduled or manual run of a job, keyed by slot.
CREATE TABLE job_runs (
    id          INTEGER PRIMARY KEY,
    job         TEXT NOT NULL,          -- "ingest", "feeds", "digest:<name>"
    slot        TEXT NOT NULL,          -- the scheduled time (manual runs: start time)
    trigger     TEXT NOT NULL,          -- schedule | catchup | manual | watch | startup
    outcome     TEXT NOT NULL,          -- running | ok | skipped | missed | failed
    error       TEXT NOT NULL DEFAULT '',
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT '',
    duration_ms INTEGER NOT NULL DEFAULT 0,
    UNIQUE (job, slot)
);
CREATE INDEX job_runs_by_job ON job_runs (job, slot);

-- leases: named, expiring locks, e.g. the one scheduler per database.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
