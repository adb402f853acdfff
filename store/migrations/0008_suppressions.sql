-- suppressions: addresses no digest goes to any more, whatever list names
-- them: a hard bounce, a complaint, soft bounces in a row, or an admin.
-- An address is compared without regard to ASCII case.
CREATE TABLE suppressions (
    address    TEXT PRIMARY KEY COLLATE NOCASE,
    reason     TEXT NOT NULL,           -- hard-bounce | soft-bounces | complaint | manual
    evidence   TEXT NOT NULL DEFAULT '',-- the status and the server's words, the report's Message-ID, the admin's note
    created_at TEXT NOT NULL
);

-- bounces: every bounce or complaint report read from the bounce mailbox,
-- one row per (report, address), so reading a report twice counts once.
CREATE TABLE bounces (
    id          INTEGER PRIMARY KEY,
    address     TEXT NOT NULL COLLATE NOCASE,
    kind        TEXT NOT NULL,          -- hard | soft | delayed | complaint (hard-cleared, soft-cleared: before an unsuppress)
    status      TEXT NOT NULL DEFAULT '',  -- enhanced status code, e.g. 5.1.1
    detail      TEXT NOT NULL DEFAULT '',  -- the remote server's words or the feedback type
    message_id  TEXT NOT NULL DEFAULT '',  -- the digest message it is about, when known
    report_id   TEXT NOT NULL,          -- the report's own Message-ID, or mailbox/uidvalidity/uid
    received_at TEXT NOT NULL,
    UNIQUE (report_id, address)
);
CREATE INDEX bounces_by_address ON bounces (address, message_id);

-- Soft bounces in a row are counted over an address's latest deliveries.
CREATE INDEX deliveries_by_recipient ON deliveries (recipient COLLATE NOCASE, sent_at);

-- mailbox_marks: how far each bounce mailbox (imap://user@host:port/folder)
-- has been read (IMAP UIDs only grow while UIDVALIDITY stays), so mail is
-- never changed to remember it.
CREATE TABLE mailbox_marks (
    mailbox      TEXT PRIMARY KEY,
    uid_validity INTEGER NOT NULL,
    last_uid     INTEGER NOT NULL,
    updated_at   TEXT NOT NULL
);
