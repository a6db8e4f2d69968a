-- 0010_rp_applications: a relying party's other way in for people without
-- a 网号, applications of relying parties, and their daily counts.
--
-- Every relying party may name another way in (a URL, a description or
-- both) that the consent pages and the public registry show; '' for none.
ALTER TABLE relying_parties ADD COLUMN alt_url text NOT NULL DEFAULT '';
ALTER TABLE relying_parties ADD COLUMN alt_text text NOT NULL DEFAULT '';

-- An organisation's application to become a relying party: what it asks
-- for, the value its domains publish to prove them, the domains proved,
-- and an operator's decision. token_hash is the HMAC of the applicant's
-- bearer token.
CREATE TABLE rp_applications (
	id             text COLLATE "C" NOT NULL PRIMARY KEY,
	state          text NOT NULL,
	token_hash     bytea,
	client_id      text NOT NULL,
	name           text NOT NULL,
	category       text NOT NULL,
	legal_basis    text NOT NULL,
	domains        text[],
	redirect_uris  text[],
	claims         text[],
	alt_url        text NOT NULL,
	alt_text       text NOT NULL,
	challenge      text NOT NULL,
	proved         text[],
	reason         text NOT NULL,
	credentials_at timestamptz,
	decided_at     timestamptz,
	created_at     timestamptz,
	updated_at     timestamptz
);

-- ListRPApplications: WHERE state = $1 ORDER BY created_at NULLS FIRST, id.
CREATE INDEX rp_applications_state ON rp_applications (state, created_at NULLS FIRST, id);

-- CountRPRecords: WHERE rp_id = $1 AND time >= $2 AND time < $3.
CREATE INDEX records_rp_time ON records (rp_id, time);
