-- 0009_cases: recourse, the cases (申诉与投诉) holders open about a record in
-- their history, an operator's suspension or a relying party's conduct.
--
-- Conventions as in 0001 (timestamptz, NULL for the zero time; bytea, NULL
-- for an empty slice). The statement and the answer are sealed. number is
-- COLLATE "C": ListCases orders by it bytewise, as Go and SQLite compare.

CREATE TABLE cases (
	number        text COLLATE "C" NOT NULL PRIMARY KEY,
	person_id     text   NOT NULL,
	kind          text   NOT NULL,
	ground        text   NOT NULL,
	record_seq    bigint NOT NULL,
	rp_id         text   NOT NULL,
	credential_id text   NOT NULL,
	state         text   NOT NULL,
	statement     bytea,
	answer        bytea,
	resolution    text   NOT NULL,
	action        text   NOT NULL,
	due_at        timestamptz,
	created_at    timestamptz,
	updated_at    timestamptz,
	answered_at   timestamptz,
	closed_at     timestamptz
);

-- A holder's cases, and the operators' queue by state.
CREATE INDEX cases_person ON cases (person_id, created_at, number);
CREATE INDEX cases_state ON cases (state, created_at, number);
