-- SAML: assertions already accepted (each is accepted once, until it expires), and verified
-- responses handed from the assertion consumer service's POST (which arrives without the
-- flow cookie) to the browser's next request (which has it).

CREATE TABLE saml_assertions (
    connector TEXT NOT NULL,
    assertion_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (connector, assertion_id)
);

CREATE TABLE federation_handoffs (
    handle_hash TEXT PRIMARY KEY,
    connector TEXT NOT NULL,
    payload TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
