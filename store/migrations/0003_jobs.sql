-- job_state: each scheduled job's last completed slot, so runs missed while
-- the process was down can be caught up (or recorded as missed) at start.
-- A job gets a row when it is first scheduled (its baseline), so a job added
-- today does not "catch up" slots from before it existed.
CREATE TABLE job_state (
    job        TEXT PRIMARY KEY,
    last_slot  TEXT NOT NULL,           -- newest slot with a final outcome (or the baseline)
    updated_at TEXT NOT NULL
);
