-- 0011_verifier: in-person verifier terminals, each with its own key,
-- enrolled with a one-time code; and full-data checks (实名登记) waiting
-- for the holder's consent. Neither holds personal data.
CREATE TABLE verifier_devices (
	id              TEXT NOT NULL PRIMARY KEY,
	rp_id           TEXT NOT NULL,
	name            TEXT NOT NULL,
	state           TEXT NOT NULL,
	code_hash       BLOB,
	code_expires_at INTEGER,
	public_key      BLOB,
	created_at      INTEGER,
	enrolled_at     INTEGER,
	revoked_at      INTEGER,
	revoked_by      TEXT NOT NULL,
	reason          TEXT NOT NULL
) STRICT;

-- GetVerifierDeviceByCode; a used code (NULL) is not a key.
CREATE UNIQUE INDEX verifier_devices_code_hash ON verifier_devices (code_hash) WHERE code_hash IS NOT NULL;
-- ListVerifierDevices: WHERE rp_id = ? ORDER BY created_at, id.
CREATE INDEX verifier_devices_rp ON verifier_devices (rp_id, created_at, id);

CREATE TABLE eid_full_requests (
	id            TEXT NOT NULL PRIMARY KEY,
	person_id     TEXT NOT NULL,
	credential_id TEXT NOT NULL,
	rp_id         TEXT NOT NULL,
	device_id     TEXT NOT NULL,
	state         TEXT NOT NULL,
	created_at    INTEGER,
	expires_at    INTEGER,
	answered_at   INTEGER,
	delivered_at  INTEGER
) STRICT;

-- ListEIDFullRequests: WHERE person_id = ? AND state = ? ORDER BY created_at, id.
CREATE INDEX eid_full_requests_person ON eid_full_requests (person_id, state, created_at, id);
