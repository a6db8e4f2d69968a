-- 0010_rp_applications: a relying party's other way in for people without
-- a 网号, applications of relying parties, and their daily counts.
--
-- Every relying party may name another way in (a URL, a description or
-- both) that the consent pages and the public registry show; '' for none.
ALTER TABLE relying_parties ADD COLUMN alt_url TEXT NOT NULL DEFAULT '';
ALTER TABLE relying_parties ADD COLUMN alt_text TEXT NOT NULL DEFAULT '';

-- An organisation's application to become a relying party: what it asks
-- for, the value its domains publish to prove them, the domains proved,
-- and an operator's decision. token_hash is the HMAC of the applicant's
-- bearer token.
CREATE TABLE rp_applications (
	id             TEXT NOT NULL PRIMARY KEY,
	state          TEXT NOT NULL,
	token_hash     BLOB,
	client_id      TEXT NOT NULL,
	name           TEXT NOT NULL,
	category       TEXT NOT NULL,
	legal_basis    TEXT NOT NULL,
	domains        TEXT,
	redirect_uris  TEXT,
	claims         TEXT,
	alt_url        TEXT NOT NULL,
	alt_text       TEXT NOT NULL,
	challenge      TEXT NOT NULL,
	proved         TEXT,
	reason         TEXT NOT NULL,
	credentials_at INTEGER,
	decided_at     INTEGER,
	created_at     INTEGER,
	updated_at     INTEGER
) STRICT;

-- ListRPApplications: WHERE state = ? ORDER BY created_at, id.
CREATE INDEX rp_applications_state ON rp_applications (state, created_at, id);

-- CountRPRecords: WHERE rp_id = ? AND time >= ? AND time < ?.
CREATE INDEX records_rp_time ON records (rp_id, time);
