-- 0011_verifier: in-person verifier terminals, each with its own key,
-- enrolled with a one-time code; and full-data checks (实名登记) waiting
-- for the holder's consent. Neither holds personal data.
CREATE TABLE verifier_devices (
	id              text NOT NULL PRIMARY KEY,
	rp_id           text NOT NULL,
	name            text NOT NULL,
	state           text NOT NULL,
	code_hash       bytea,
	code_expires_at timestamptz,
	public_key      bytea,
	created_at      timestamptz,
	enrolled_at     timestamptz,
	revoked_at      timestamptz,
	revoked_by      text NOT NULL,
	reason          text NOT NULL
);

-- GetVerifierDeviceByCode; a used code (NULL) is not a key.
CREATE UNIQUE INDEX verifier_devices_code_hash ON verifier_devices (code_hash) WHERE code_hash IS NOT NULL;
-- ListVerifierDevices: WHERE rp_id = $1 ORDER BY created_at NULLS FIRST, id.
CREATE INDEX verifier_devices_rp ON verifier_devices (rp_id, created_at NULLS FIRST, id);

CREATE TABLE eid_full_requests (
	id            text NOT NULL PRIMARY KEY,
	person_id     text NOT NULL,
	credential_id text NOT NULL,
	rp_id         text NOT NULL,
	device_id     text NOT NULL,
	state         text NOT NULL,
	created_at    timestamptz,
	expires_at    timestamptz,
	answered_at   timestamptz,
	delivered_at  timestamptz
);

-- ListEIDFullRequests: WHERE person_id = $1 AND state = $2 ORDER BY created_at NULLS FIRST, id.
CREATE INDEX eid_full_requests_person ON eid_full_requests (person_id, state, created_at NULLS FIRST, id);
