-- Phone numbers, account state, terms and profile; one-time codes; the development outbox;
-- failed-attempt counters and lockouts. Portable SQL (SQLite and PostgreSQL).

ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN phone_verified BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN suspended_at BIGINT;
ALTER TABLE users ADD COLUMN terms_accepted_at BIGINT;
-- Collected profile fields as a JSON object.
ALTER TABLE users ADD COLUMN profile TEXT;
CREATE UNIQUE INDEX users_phone ON users (phone);

-- Where the flow stands (identifier given, codes verified, registration in progress).
ALTER TABLE interactions ADD COLUMN progress TEXT;

-- One code per flow and recipient. A new code replaces the digest and the expiry but keeps
-- the failure count, so asking for a new code does not buy more guesses.
CREATE TABLE verification_codes (
    interaction_hash TEXT NOT NULL,
    recipient TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code_mac TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (interaction_hash, recipient)
);

-- Every message sent, for the per-recipient send limit.
CREATE TABLE message_sends (
    recipient TEXT NOT NULL,
    sent_at BIGINT NOT NULL
);
CREATE INDEX message_sends_recipient ON message_sends (recipient, sent_at);

-- The development outbox.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Failed attempts by subject (`id:<identifier>` or `ip:<address>`), and active lockouts.
CREATE TABLE auth_failures (
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX auth_failures_subject ON auth_failures (subject, at);

CREATE TABLE lockouts (
    subject TEXT PRIMARY KEY,
    until_at BIGINT NOT NULL
);
