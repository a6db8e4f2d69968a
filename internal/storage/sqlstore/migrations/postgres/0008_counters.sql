-- 0008_counters: the counters (柜台) an operator registered: police
-- stations and service halls whose terminals apply on a person's behalf,
-- each with its own public key. (The table "counters" holds the platform's
-- rate and attempt counters.)
CREATE TABLE service_counters (
	id              text COLLATE "C" NOT NULL PRIMARY KEY,
	name            text        NOT NULL,
	kind            text        NOT NULL,
	legal_basis     text        NOT NULL,
	public_key      bytea,
	key_id          text        NOT NULL,
	certificate     bytea,
	state           text        NOT NULL,
	disabled_reason text        NOT NULL,
	created_at      timestamptz,
	disabled_at     timestamptz,
	updated_at      timestamptz
);
