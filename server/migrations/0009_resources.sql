-- The APIs (resource indicators, RFC 8707) an authorization was for: the audience of its
-- access tokens, as introspection reports it.

ALTER TABLE authorization_codes ADD COLUMN resources TEXT;
ALTER TABLE tokens ADD COLUMN resources TEXT;
