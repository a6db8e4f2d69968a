-- 0003_lifecycle: what the credential lifecycle needs (issue 4).
--
-- Conventions as in 0001 (timestamptz, NULL for the zero time; bytea, NULL
-- for an empty slice). Constant defaults: no table rewrite.

-- The sealed face image read from the document's chip at the latest
-- proofing (for in-person checks: the electronic ID card), and when the
-- person cancelled (注销) their 网号; NULL while in use.
ALTER TABLE persons ADD COLUMN photo bytea;
ALTER TABLE persons ADD COLUMN cancelled_at timestamptz;

-- What an application is for (apply, device, password, phone, recover) and,
-- for the flows a holder starts from their 网号, the person it concerns.
-- Existing applications were all first applications.
ALTER TABLE applications ADD COLUMN kind text NOT NULL DEFAULT 'apply';
ALTER TABLE applications ADD COLUMN person_id text NOT NULL DEFAULT '';

-- Who set a credential's current status: holder, operator or platform ('' for
-- an active credential and for statuses set before this migration).
ALTER TABLE credentials ADD COLUMN status_by text NOT NULL DEFAULT '';

-- DeleteExpired removes old sessions and grants by expiry.
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX grants_expires_at ON grants (expires_at);
