-- 0001_init: the initial schema.
--
-- Times are INTEGER microseconds since the Unix epoch (UTC); NULL is the zero
-- time.Time ("not set", "never expires"). Byte slices are BLOBs; NULL is an
-- empty slice. STRICT tables make SQLite enforce the declared column types.
--
-- Growth: codes, nonces, counters and unissued applications are short-lived
-- and removed by DeleteExpired (indexed on expires_at). credentials grow with
-- the population and are never deleted. SQLite has no partitioning; the
-- PostgreSQL schema carries the partitioning notes.

CREATE TABLE applications (
	id             TEXT    NOT NULL PRIMARY KEY,
	state          TEXT    NOT NULL,
	document_type  TEXT    NOT NULL,
	token_hash     BLOB,
	guardian_id    TEXT    NOT NULL,
	person_index   TEXT    NOT NULL,
	identity       BLOB,
	face_challenge BLOB,
	face_score     REAL    NOT NULL,
	phone_index    TEXT    NOT NULL,
	phone          BLOB,
	password_hash  TEXT    NOT NULL,
	device_nonce   BLOB,
	credential_id  TEXT    NOT NULL,
	created_at     INTEGER,
	updated_at     INTEGER,
	expires_at     INTEGER
) STRICT;

-- ListGuardianApplications: WHERE guardian_id = ? AND state = ? ORDER BY created_at.
CREATE INDEX applications_guardian_state ON applications (guardian_id, state, created_at);
-- DeleteExpired.
CREATE INDEX applications_expires_at ON applications (expires_at);

CREATE TABLE persons (
	id                    TEXT    NOT NULL PRIMARY KEY,
	person_index          TEXT    NOT NULL UNIQUE,
	wanghao               TEXT    NOT NULL UNIQUE,
	state                 TEXT    NOT NULL,
	identity              BLOB,
	phone_index           TEXT    NOT NULL,
	phone                 BLOB,
	password_hash         TEXT    NOT NULL,
	password_failures     INTEGER NOT NULL,
	password_locked_until INTEGER,
	created_at            INTEGER,
	updated_at            INTEGER
) STRICT;

CREATE TABLE credentials (
	id             TEXT    NOT NULL PRIMARY KEY,
	person_id      TEXT    NOT NULL,
	status         TEXT    NOT NULL,
	status_reason  TEXT    NOT NULL,
	status_list    TEXT    NOT NULL,
	status_index   INTEGER NOT NULL,
	device_key     BLOB,
	device_key_id  TEXT    NOT NULL,
	signing_key_id TEXT    NOT NULL,
	issued_at      INTEGER,
	expires_at     INTEGER,
	updated_at     INTEGER,
	-- ListStatuses reads this index in order.
	UNIQUE (status_list, status_index)
) STRICT;

-- ListCredentials and the revocation in IssueCredential.
CREATE INDEX credentials_person ON credentials (person_id, issued_at);
-- LatestExpiry.
CREATE INDEX credentials_signing_key ON credentials (signing_key_id, expires_at);

CREATE TABLE codes (
	id          TEXT    NOT NULL PRIMARY KEY,
	subject     TEXT    NOT NULL,
	phone_index TEXT    NOT NULL,
	hash        BLOB,
	attempts    INTEGER NOT NULL,
	created_at  INTEGER,
	expires_at  INTEGER,
	consumed_at INTEGER
) STRICT;

-- LatestCode: WHERE subject = ? ORDER BY created_at DESC.
CREATE INDEX codes_subject_created ON codes (subject, created_at);
CREATE INDEX codes_expires_at ON codes (expires_at);

CREATE TABLE counters (
	key        TEXT    NOT NULL PRIMARY KEY,
	value      INTEGER NOT NULL,
	expires_at INTEGER
) STRICT;

CREATE INDEX counters_expires_at ON counters (expires_at);

CREATE TABLE nonces (
	key        TEXT    NOT NULL PRIMARY KEY,
	expires_at INTEGER
) STRICT;

CREATE INDEX nonces_expires_at ON nonces (expires_at);

CREATE TABLE signing_keys (
	id            TEXT    NOT NULL PRIMARY KEY,
	algorithm     TEXT    NOT NULL,
	private       BLOB,
	public        BLOB,
	created_at    INTEGER,
	retired_at    INTEGER,
	publish_until INTEGER
) STRICT;
