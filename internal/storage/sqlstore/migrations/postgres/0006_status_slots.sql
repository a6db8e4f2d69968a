-- 0005_status_slots: status list indices drawn at random, and batches of
-- credentials.
--
-- Every index of a status list that is taken, by a credential itself
-- (member 0) or by a member of its batch (member 1, 2, …), is one row; the
-- primary key is what keeps two racing issuances from taking one index.
-- A member shares the status of its credential (ListStatuses joins them).
CREATE TABLE status_slots (
	status_list   text        NOT NULL,
	status_index  bigint      NOT NULL,
	credential_id text        NOT NULL,
	member        integer     NOT NULL,
	device_key_id text        NOT NULL,
	created_at    timestamptz,
	PRIMARY KEY (status_list, status_index)
);

-- ListStatusSlots, and ListStatuses' join from a credential to its members.
CREATE INDEX status_slots_credential ON status_slots (credential_id, member);

-- The indices taken before: each credential's own.
INSERT INTO status_slots (status_list, status_index, credential_id, member, device_key_id, created_at)
SELECT status_list, status_index, id, 0, device_key_id, issued_at FROM credentials;
