-- 0008_counters: the counters (柜台) an operator registered: police
-- stations and service halls whose terminals apply on a person's behalf,
-- each with its own public key. (The table "counters" holds the platform's
-- rate and attempt counters.)
CREATE TABLE service_counters (
	id              TEXT    NOT NULL PRIMARY KEY,
	name            TEXT    NOT NULL,
	kind            TEXT    NOT NULL,
	legal_basis     TEXT    NOT NULL,
	public_key      BLOB,
	key_id          TEXT    NOT NULL,
	certificate     BLOB,
	state           TEXT    NOT NULL,
	disabled_reason TEXT    NOT NULL,
	created_at      INTEGER,
	disabled_at     INTEGER,
	updated_at      INTEGER
) STRICT;
