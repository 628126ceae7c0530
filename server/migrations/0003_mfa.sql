-- Second factors: authenticator apps and WebAuthn credentials, backup codes, remembered
-- devices; whether a user skipped the offer to set up a factor or a passkey.

CREATE TABLE mfa_factors (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- totp | webauthn
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- totp: the base32 secret; webauthn: the credential as webauthn-rs serialises it.
    secret TEXT NOT NULL,
    -- webauthn: the credential id (base64url), for passkey sign-in without a username.
    credential_id TEXT,
    -- totp: the last time step accepted, so a code is accepted once.
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX mfa_factors_user ON mfa_factors (user_id);
CREATE UNIQUE INDEX mfa_factors_credential ON mfa_factors (credential_id);

-- Backup codes: looked up by their first group, checked against an Argon2id hash.
CREATE TABLE backup_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lookup TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, lookup)
);

-- "Remember this device": the digest of a random cookie value, revocable by deleting it.
CREATE TABLE trusted_devices (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX trusted_devices_user ON trusted_devices (user_id);

ALTER TABLE users ADD COLUMN mfa_skipped_at BIGINT;
ALTER TABLE users ADD COLUMN passkey_skipped_at BIGINT;
