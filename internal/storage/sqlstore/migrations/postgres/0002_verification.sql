-- 0002_verification: guardians of persons, and the verification flows'
-- relying parties, sessions, grants, consents and record log.
--
-- Conventions as in 0001 (timestamptz, NULL for the zero time; bytea, NULL
-- for an empty slice). String slices are text[], NULL for an empty slice.
-- Columns a List method orders by are COLLATE "C" (bytewise, as Go and the
-- sqlite backend compare), whatever the database's default collation.

-- The guardian recorded when a minor's credential was issued; '' for none.
-- Existing persons get '' (a constant default: no table rewrite).
ALTER TABLE persons ADD COLUMN guardian_id text NOT NULL DEFAULT '';

-- ListWards: WHERE guardian_id = $1 AND guardian_id <> '' ORDER BY created_at
-- NULLS FIRST, id. Partial: most persons have no guardian; the query repeats
-- the literal predicate, so even a generic plan can use the index.
CREATE INDEX persons_guardian ON persons (guardian_id, created_at NULLS FIRST, id) WHERE guardian_id <> '';

CREATE TABLE relying_parties (
	id             text COLLATE "C" NOT NULL PRIMARY KEY,
	name           text    NOT NULL,
	sector         text    NOT NULL,
	category       text    NOT NULL,
	legal_basis    text    NOT NULL,
	domains        text[],
	redirect_uris  text[],
	allowed_claims text[],
	auth_method    text    NOT NULL,
	jwks           bytea,
	secret_hash    text    NOT NULL,
	disabled       boolean NOT NULL,
	created_at     timestamptz,
	updated_at     timestamptz
);

CREATE TABLE sessions (
	id             text NOT NULL PRIMARY KEY,
	rp_id          text NOT NULL,
	channel        text NOT NULL,
	code_hash      bytea,
	level          text NOT NULL,
	claims         text[],
	purpose        text NOT NULL,
	callback_url   text NOT NULL,
	nonce          text NOT NULL,
	subject        text NOT NULL,
	state          text NOT NULL,
	credential_id  text NOT NULL,
	person_id      text NOT NULL,
	face_challenge bytea,
	guardian_id    text NOT NULL,
	level_reached  text NOT NULL,
	provided       text[],
	result         bytea,
	error          text NOT NULL,
	data           bytea,
	created_at     timestamptz,
	updated_at     timestamptz,
	expires_at     timestamptz
);

-- GetSessionByCode. NULLs (empty code hashes) never conflict in a unique
-- index; the predicate keeps them out of it altogether.
CREATE UNIQUE INDEX sessions_code_hash ON sessions (code_hash) WHERE code_hash IS NOT NULL;
-- ListGuardianSessions: WHERE guardian_id = $1 AND guardian_id <> '' AND state = $2
-- ORDER BY created_at NULLS FIRST, id.
CREATE INDEX sessions_guardian_state ON sessions (guardian_id, state, created_at NULLS FIRST, id) WHERE guardian_id <> '';

CREATE TABLE grants (
	id          text NOT NULL PRIMARY KEY,
	kind        text NOT NULL,
	hash        bytea,
	session_id  text NOT NULL,
	rp_id       text NOT NULL,
	data        bytea,
	created_at  timestamptz,
	expires_at  timestamptz,
	consumed_at timestamptz,
	revoked_at  timestamptz
);

-- GetGrantByHash; an empty hash (NULL) is not a key.
CREATE UNIQUE INDEX grants_hash ON grants (hash) WHERE hash IS NOT NULL;
-- RevokeGrants.
CREATE INDEX grants_session ON grants (session_id);

CREATE TABLE consents (
	person_id   text NOT NULL,
	rp_id       text COLLATE "C" NOT NULL,
	claims      text[],
	plaintext   text[],
	guardian_id text NOT NULL,
	guardian_at timestamptz,
	granted_at  timestamptz,
	updated_at  timestamptz,
	-- GetConsent, DeleteConsent, and ListConsents (person_id prefix, by rp_id).
	PRIMARY KEY (person_id, rp_id)
);

-- The verification record log (核验记录): append-only and the fastest-growing
-- table (one row per verification, never updated or deleted).
--
-- Appends serialise on the single row of record_log_tail: AppendRecord
-- increments its seq (UPDATE … RETURNING, which holds the row lock until
-- commit), reads the record at seq - 1, lets the caller chain the new record
-- to it, and inserts it. A rolled-back append rolls the counter back too, so
-- Seq values stay contiguous (a sequence would leave gaps). Keeping the tail
-- in its own row, rather than locking max(seq) of records, also keeps the
-- lock independent of how records is laid out.
--
-- Partitioning. records is shaped to become range-partitioned by time
-- without changing a query's meaning: no foreign keys, no updates, every
-- query names this table alone. Since seq grows with time (appends are
-- serialised and stamped at append), the simplest scheme partitions by
-- RANGE (seq) with boundaries cut at period starts (a new partition begins
-- at the tail's seq when a month begins): the primary key stays (seq),
-- (person_id, seq) stays a per-partition index, "record seq - 1" and the
-- paging queries prune to one or two partitions, and retention detaches
-- whole old partitions (signed heads let the remaining suffix be checked).
-- Partitioning by RANGE (time) instead would need time in the primary key,
-- (seq, time), and make the look-up of record seq - 1 probe every
-- partition's index unless the tail row also kept the last record's time.
CREATE TABLE records (
	seq         bigint NOT NULL PRIMARY KEY,
	id          text   NOT NULL,
	time        timestamptz,
	person_id   text   NOT NULL,
	rp_id       text   NOT NULL,
	rp_name     text   NOT NULL,
	channel     text   NOT NULL,
	level       text   NOT NULL,
	provided    text[],
	outcome     text   NOT NULL,
	guardian_id text   NOT NULL,
	prev_hash   bytea,
	hash        bytea
);

-- ListPersonRecords: WHERE person_id = $1 AND seq < $2 ORDER BY seq DESC.
CREATE INDEX records_person_seq ON records (person_id, seq);

-- The log's tail: exactly one row (one = true), seq = the last record's Seq
-- (0 while the log is empty).
CREATE TABLE record_log_tail (
	one boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (one),
	seq bigint  NOT NULL
);
INSERT INTO record_log_tail (one, seq) VALUES (true, 0);

-- Signed heads of the record log, one per signed seq.
CREATE TABLE heads (
	seq       bigint NOT NULL PRIMARY KEY,
	hash      bytea,
	time      timestamptz,
	signature text   NOT NULL
);
