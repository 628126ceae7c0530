-- The audit log: security events (sign-ins, failures, lockouts, changes of factors,
-- identities, addresses, passwords, tokens, sessions, deletion) for the operator to read
-- with `sesame audit`. No foreign key: an account's events outlive the account. The detail
-- is a short JSON object without secrets.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT,
    ip TEXT,
    detail TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_user ON audit_events (user_id, at);
