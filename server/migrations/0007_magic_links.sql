-- Single-use sign-in links (magic links): bound to an email address and a purpose
-- (`sign_in`, `invitation`); only the digest of the token is stored.

CREATE TABLE one_time_tokens (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX one_time_tokens_email ON one_time_tokens (email);
