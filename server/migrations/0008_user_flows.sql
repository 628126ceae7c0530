-- The user flow (Azure AD B2C `p`) an authorization was made in: its tokens name it (`tfp`
-- or `acr`) and carry the claims it releases, refreshes included.

ALTER TABLE authorization_codes ADD COLUMN policy TEXT;
ALTER TABLE tokens ADD COLUMN policy TEXT;
