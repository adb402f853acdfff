-- subscribers: residents who signed up for a list open for sign-up (or
-- were added by an admin). Only what the subscription needs is kept: the
-- address, the list, the chosen topics, timestamps and the IP the
-- confirmation click came from. A pending row is a sign-up not yet
-- confirmed; it is deleted when it expires.
CREATE TABLE subscribers (
    list            TEXT NOT NULL,
    address         TEXT NOT NULL,          -- as given, domain lower-cased
    addr_key        TEXT NOT NULL,          -- internal/address.Key(address)
    topics          TEXT NOT NULL DEFAULT '', -- topic slugs, comma-separated; '' = every article
    status          TEXT NOT NULL,          -- pending | confirmed | unsubscribed
    source          TEXT NOT NULL,          -- signup | admin | import
    note            TEXT NOT NULL DEFAULT '', -- an admin's reason for skipping the confirmation
    created_at      TEXT NOT NULL,
    confirmed_at    TEXT NOT NULL DEFAULT '',
    confirm_ip      TEXT NOT NULL DEFAULT '',
    unsubscribed_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (list, addr_key)
);
CREATE INDEX subscribers_by_address ON subscribers (addr_key);
-- Expired sign-ups are deleted at every sign-up and digest run.
CREATE INDEX subscribers_by_status ON subscribers (status, created_at);

-- confirmation_mails: when a confirmation mail went to an address (by a
-- hash of it, not the address), so that sign-ups cannot make paperboy
-- mail anyone often. Rows older than a day are deleted.
CREATE TABLE confirmation_mails (
    addr_hash TEXT NOT NULL,
    sent_at   TEXT NOT NULL
);
CREATE INDEX confirmation_mails_by_hash ON confirmation_mails (addr_hash, sent_at);
