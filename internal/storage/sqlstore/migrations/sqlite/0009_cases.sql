-- 0009_cases: recourse, the cases (申诉与投诉) holders open about a record in
-- their history, an operator's suspension or a relying party's conduct.
--
-- Conventions as in 0001 (INTEGER microseconds, NULL for the zero time; BLOB,
-- NULL for an empty slice). The statement and the answer are sealed.

CREATE TABLE cases (
	number        TEXT    NOT NULL PRIMARY KEY,
	person_id     TEXT    NOT NULL,
	kind          TEXT    NOT NULL,
	ground        TEXT    NOT NULL,
	record_seq    INTEGER NOT NULL,
	rp_id         TEXT    NOT NULL,
	credential_id TEXT    NOT NULL,
	state         TEXT    NOT NULL,
	statement     BLOB,
	answer        BLOB,
	resolution    TEXT    NOT NULL,
	action        TEXT    NOT NULL,
	due_at        INTEGER,
	created_at    INTEGER,
	updated_at    INTEGER,
	answered_at   INTEGER,
	closed_at     INTEGER
) STRICT;

-- A holder's cases, and the operators' queue by state.
CREATE INDEX cases_person ON cases (person_id, created_at, number);
CREATE INDEX cases_state ON cases (state, created_at, number);
