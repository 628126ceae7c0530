-- Portable SQL: runs unchanged on SQLite and PostgreSQL. Times are Unix seconds (BIGINT),
-- flags are 0/1 (BIGINT), JSON is TEXT. Bearer secrets are stored as SHA-256 digests.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT UNIQUE,
    email TEXT UNIQUE,
    email_verified BIGINT NOT NULL DEFAULT 0,
    password_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One sign-in flow in progress, keyed by the digest of the id in the browser's cookie.
CREATE TABLE interactions (
    id_hash TEXT PRIMARY KEY,
    request TEXT,
    form_state TEXT,
    -- The session signed in during this flow (prompt=login and max_age need a fresh one).
    session_sid TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    sid TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time BIGINT NOT NULL,
    amr TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE authorization_codes (
    code_hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    sid TEXT,
    auth_time BIGINT NOT NULL,
    amr TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- Access and refresh tokens. A grant is everything issued from one authorization code;
-- replaying the code or a rotated refresh token revokes the whole grant.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    grant_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    sid TEXT,
    auth_time BIGINT NOT NULL,
    amr TEXT NOT NULL,
    nonce TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX tokens_grant ON tokens (grant_id);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    private_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);

-- Server-wide secrets generated on first start (the anti-forgery MAC key).
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The demo relying party's own sessions (it is a separate application that happens to be
-- served by the same binary).
CREATE TABLE demo_sessions (
    id_hash TEXT PRIMARY KEY,
    state TEXT,
    nonce TEXT,
    code_verifier TEXT,
    id_token_claims TEXT,
    userinfo TEXT,
    subject TEXT,
    error TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
