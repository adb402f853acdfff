-- admin_audit: every change made through the admin console (a config key
-- edited, a run started or retried), who made it and when, shown in the
-- console. Append-only: nothing in paperboy updates or deletes a row.
CREATE TABLE admin_audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,            -- when, UTC
    actor     TEXT NOT NULL,            -- who: the admin's name, or "token"
    action    TEXT NOT NULL,            -- "config", "run", "retry", "test_send", "login"
    key       TEXT NOT NULL DEFAULT '', -- e.g. "digests.daily.schedule", "digest:daily"
    old_value TEXT NOT NULL DEFAULT '', -- as written in config.toml before ('' if absent)
    new_value TEXT NOT NULL DEFAULT ''
);
CREATE INDEX admin_audit_by_at ON admin_audit (at);
