-- 0001_init: the initial schema.
--
-- Times are timestamptz (microsecond precision); NULL is the zero time.Time
-- ("not set", "never expires"). Byte slices are bytea; NULL is an empty slice.
--
-- Growth and partitioning. Codes, nonces, counters and unissued applications
-- are short-lived: DeleteExpired removes them through the expires_at indexes.
-- What grows without bound is issued applications (one per proofing) and
-- credentials (one per issue or renewal), and codes grow fastest of all
-- between purges (one per SMS). The tables are shaped so that these can later
-- become range-partitioned by time without changing a query's meaning:
--   * no foreign keys between tables, and every query names one table;
--   * each of them has a creation time that never changes after insert
--     (applications.created_at, codes.created_at, credentials.issued_at),
--     usable as the partition key;
--   * look-ups by id (the Get/Update methods) become a probe of each
--     partition's primary-key index, which stays cheap while old partitions
--     are few (detached or dropped by retention instead of DeleteExpired).
-- PostgreSQL requires a partitioned table's unique constraints to include
-- the partition key: the primary keys would become (id, created_at) (unique
-- ids are random, so this loses nothing), and for credentials the natural
-- key is status_list rather than time (LIST-partition by status list: lists
-- fill in issue order, and (status_list, status_index) stays enforceable).

CREATE TABLE applications (
	id             text             NOT NULL PRIMARY KEY,
	state          text             NOT NULL,
	document_type  text             NOT NULL,
	token_hash     bytea,
	guardian_id    text             NOT NULL,
	person_index   text             NOT NULL,
	identity       bytea,
	face_challenge bytea,
	face_score     double precision NOT NULL,
	phone_index    text             NOT NULL,
	phone          bytea,
	password_hash  text             NOT NULL,
	device_nonce   bytea,
	credential_id  text             NOT NULL,
	created_at     timestamptz,
	updated_at     timestamptz,
	expires_at     timestamptz
);

-- ListGuardianApplications: WHERE guardian_id = $1 AND state = $2
-- ORDER BY created_at NULLS FIRST, id. (Not a partial index on guardian_id <> '':
-- a generic plan for a parameter could not use it.)
CREATE INDEX applications_guardian_state ON applications (guardian_id, state, created_at NULLS FIRST, id);
-- DeleteExpired (its query repeats the literal predicate).
CREATE INDEX applications_expires_at ON applications (expires_at) WHERE state <> 'issued';

CREATE TABLE persons (
	id                    text    NOT NULL PRIMARY KEY,
	person_index          text    NOT NULL UNIQUE,
	wanghao               text    NOT NULL UNIQUE,
	state                 text    NOT NULL,
	identity              bytea,
	phone_index           text    NOT NULL,
	phone                 bytea,
	password_hash         text    NOT NULL,
	password_failures     integer NOT NULL,
	password_locked_until timestamptz,
	created_at            timestamptz,
	updated_at            timestamptz
);

CREATE TABLE credentials (
	id             text   NOT NULL PRIMARY KEY,
	person_id      text   NOT NULL,
	status         text   NOT NULL,
	status_reason  text   NOT NULL,
	status_list    text   NOT NULL,
	status_index   bigint NOT NULL,
	device_key     bytea,
	device_key_id  text   NOT NULL,
	signing_key_id text   NOT NULL,
	issued_at      timestamptz,
	expires_at     timestamptz,
	updated_at     timestamptz,
	-- ListStatuses reads this index in order.
	CONSTRAINT credentials_status_slot UNIQUE (status_list, status_index)
);

-- ListCredentials and the revocation in IssueCredential.
CREATE INDEX credentials_person ON credentials (person_id, issued_at NULLS FIRST, id);
-- LatestExpiry.
CREATE INDEX credentials_signing_key ON credentials (signing_key_id, expires_at);

CREATE TABLE codes (
	id          text    NOT NULL PRIMARY KEY,
	subject     text    NOT NULL,
	phone_index text    NOT NULL,
	hash        bytea,
	attempts    integer NOT NULL,
	created_at  timestamptz,
	expires_at  timestamptz,
	consumed_at timestamptz
);

-- LatestCode: WHERE subject = $1 ORDER BY created_at DESC NULLS LAST, id DESC.
CREATE INDEX codes_subject_created ON codes (subject, created_at DESC NULLS LAST, id DESC);
CREATE INDEX codes_expires_at ON codes (expires_at);

CREATE TABLE counters (
	key        text   NOT NULL PRIMARY KEY,
	value      bigint NOT NULL,
	expires_at timestamptz
);

CREATE INDEX counters_expires_at ON counters (expires_at);

CREATE TABLE nonces (
	key        text NOT NULL PRIMARY KEY,
	expires_at timestamptz
);

CREATE INDEX nonces_expires_at ON nonces (expires_at);

CREATE TABLE signing_keys (
	id            text NOT NULL PRIMARY KEY,
	algorithm     text NOT NULL,
	private       bytea,
	public        bytea,
	created_at    timestamptz,
	retired_at    timestamptz,
	publish_until timestamptz
);
