-- 0002_verification: guardians of persons, and the verification flows'
-- relying parties, sessions, grants, consents and record log.
--
-- Conventions as in 0001 (INTEGER microseconds, NULL for the zero time; BLOB,
-- NULL for an empty slice). String slices are TEXT holding a JSON array of
-- strings, NULL for an empty slice. Booleans are INTEGER 0 or 1.

-- The guardian recorded when a minor's credential was issued; '' for none.
-- Existing persons get ''.
ALTER TABLE persons ADD COLUMN guardian_id TEXT NOT NULL DEFAULT '';

-- ListWards: WHERE guardian_id = ? AND guardian_id <> '' ORDER BY created_at, id.
-- Partial: most persons have no guardian, and the query repeats the predicate.
CREATE INDEX persons_guardian ON persons (guardian_id, created_at, id) WHERE guardian_id <> '';

CREATE TABLE relying_parties (
	id             TEXT    NOT NULL PRIMARY KEY,
	name           TEXT    NOT NULL,
	sector         TEXT    NOT NULL,
	category       TEXT    NOT NULL,
	legal_basis    TEXT    NOT NULL,
	domains        TEXT,
	redirect_uris  TEXT,
	allowed_claims TEXT,
	auth_method    TEXT    NOT NULL,
	jwks           BLOB,
	secret_hash    TEXT    NOT NULL,
	disabled       INTEGER NOT NULL CHECK (disabled IN (0, 1)),
	created_at     INTEGER,
	updated_at     INTEGER
) STRICT;

CREATE TABLE sessions (
	id             TEXT    NOT NULL PRIMARY KEY,
	rp_id          TEXT    NOT NULL,
	channel        TEXT    NOT NULL,
	code_hash      BLOB,
	level          TEXT    NOT NULL,
	claims         TEXT,
	purpose        TEXT    NOT NULL,
	callback_url   TEXT    NOT NULL,
	nonce          TEXT    NOT NULL,
	subject        TEXT    NOT NULL,
	state          TEXT    NOT NULL,
	credential_id  TEXT    NOT NULL,
	person_id      TEXT    NOT NULL,
	face_challenge BLOB,
	guardian_id    TEXT    NOT NULL,
	level_reached  TEXT    NOT NULL,
	provided       TEXT,
	result         BLOB,
	error          TEXT    NOT NULL,
	data           BLOB,
	created_at     INTEGER,
	updated_at     INTEGER,
	expires_at     INTEGER
) STRICT;

-- GetSessionByCode; an empty code hash (NULL) is not a key.
CREATE UNIQUE INDEX sessions_code_hash ON sessions (code_hash) WHERE code_hash IS NOT NULL;
-- ListGuardianSessions: WHERE guardian_id = ? AND guardian_id <> '' AND state = ?
-- ORDER BY created_at, id.
CREATE INDEX sessions_guardian_state ON sessions (guardian_id, state, created_at, id) WHERE guardian_id <> '';

CREATE TABLE grants (
	id          TEXT    NOT NULL PRIMARY KEY,
	kind        TEXT    NOT NULL,
	hash        BLOB,
	session_id  TEXT    NOT NULL,
	rp_id       TEXT    NOT NULL,
	data        BLOB,
	created_at  INTEGER,
	expires_at  INTEGER,
	consumed_at INTEGER,
	revoked_at  INTEGER
) STRICT;

-- GetGrantByHash; an empty hash (NULL) is not a key.
CREATE UNIQUE INDEX grants_hash ON grants (hash) WHERE hash IS NOT NULL;
-- RevokeGrants.
CREATE INDEX grants_session ON grants (session_id);

CREATE TABLE consents (
	person_id   TEXT    NOT NULL,
	rp_id       TEXT    NOT NULL,
	claims      TEXT,
	plaintext   TEXT,
	guardian_id TEXT    NOT NULL,
	guardian_at INTEGER,
	granted_at  INTEGER,
	updated_at  INTEGER,
	-- GetConsent, DeleteConsent, and ListConsents (person_id prefix, by rp_id).
	PRIMARY KEY (person_id, rp_id)
) STRICT;

-- The verification record log: append-only, the fastest-growing table (one
-- row per verification). seq is the position in the log, assigned by
-- AppendRecord under the write lock (BEGIN IMMEDIATE) as the last seq + 1;
-- it is an INTEGER PRIMARY KEY (the rowid), so "the last record" is one
-- probe of the table's b-tree. SQLite has no partitioning; see the
-- PostgreSQL schema for how the log would be partitioned by time there.
CREATE TABLE records (
	seq         INTEGER NOT NULL PRIMARY KEY,
	id          TEXT    NOT NULL,
	time        INTEGER,
	person_id   TEXT    NOT NULL,
	rp_id       TEXT    NOT NULL,
	rp_name     TEXT    NOT NULL,
	channel     TEXT    NOT NULL,
	level       TEXT    NOT NULL,
	provided    TEXT,
	outcome     TEXT    NOT NULL,
	guardian_id TEXT    NOT NULL,
	prev_hash   BLOB,
	hash        BLOB
) STRICT;

-- ListPersonRecords: WHERE person_id = ? AND seq < ? ORDER BY seq DESC.
CREATE INDEX records_person_seq ON records (person_id, seq);

-- Signed heads of the record log, one per signed seq.
CREATE TABLE heads (
	seq       INTEGER NOT NULL PRIMARY KEY,
	hash      BLOB,
	time      INTEGER,
	signature TEXT    NOT NULL
) STRICT;
