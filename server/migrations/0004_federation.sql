-- Identities at other providers (social sign-in, enterprise single sign-on), keyed by the
-- connector and the provider's subject: never by email.

CREATE TABLE identities (
    connector TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The provider's email address when linked, for the account center.
    email TEXT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (connector, subject)
);
CREATE INDEX identities_user ON identities (user_id);
