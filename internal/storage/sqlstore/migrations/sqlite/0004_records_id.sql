-- 0004_records_id: finding the sessions whose verification record is
-- missing.
--
-- The record of a session that ended carries the session's ID as its id
-- (the log is keyed by seq; record ids are not unique).
-- ListUnrecordedSessions: NOT EXISTS (SELECT 1 FROM records WHERE id = ?).
CREATE INDEX IF NOT EXISTS records_id ON records (id);
