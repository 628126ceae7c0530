-- The account center and organizations: what each session was started from (for the
-- sessions list), personal access tokens, organizations with their members and
-- invitations, and the organization an application's grant is for.

ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN ip TEXT;

-- Personal access tokens: shown once, stored as the digest; usable as a bearer for the
-- Account API and through token exchange at the token endpoint.
CREATE TABLE personal_access_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    -- NULL: does not expire.
    expires_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- The organization's look on the sign-in pages (logo, colours), JSON.
    branding TEXT,
    -- Members signing in for this organization prove a second factor (0/1).
    mfa_required BIGINT NOT NULL DEFAULT 0,
    -- Users with a verified address at one of these domains join as members (space
    -- separated, lower case).
    jit_domains TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE organization_members (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- admin | member
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user ON organization_members (user_id);

-- Invitations by email: the link carries a token whose digest is stored here; single use.
CREATE TABLE organization_invitations (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX organization_invitations_org ON organization_invitations (organization_id);
CREATE INDEX organization_invitations_email ON organization_invitations (email);

-- The organizations a user let a third-party application see (organization scopes).
ALTER TABLE consents ADD COLUMN organizations TEXT NOT NULL DEFAULT '';
-- The organization an authorization request was for (`organization_id`).
ALTER TABLE authorization_codes ADD COLUMN organization_id TEXT;
ALTER TABLE tokens ADD COLUMN organization_id TEXT;
