-- 0013_records_partitions: the record log, range-partitioned by month.
--
-- records is the fastest-growing table (one row per verification, never
-- updated) and is kept for years; retention and the queries that read a
-- period (CountRPRecords: rp_id and a time range) want it cut by time.
-- It becomes PARTITION BY RANGE (time), one partition per calendar month
-- in UTC, named records_yYYYYmMM, plus records_default.
--
-- Keys. A primary key or unique constraint on a partitioned table must
-- include the partition key, and a primary key's columns cannot be NULL;
-- the storage contract allows a record without a time (the platform always
-- stamps one), so the key is UNIQUE (seq, time), which also serves the
-- look-ups by seq. Records without a time go to records_default (a range
-- partition holds no NULL). seq stays unique without a global index on it:
-- every Seq comes from record_log_tail, whose single row AppendRecord
-- increments under its row lock (two appends never get the same Seq), and
-- the hash chain makes a duplicate or a gap visible to netid admin audit
-- verify. Record IDs are not unique (the log is keyed by seq; see 0004).
--
-- The predecessor. An append reads record seq - 1 to chain to it; by seq
-- alone that would probe the (seq, time) index of every partition. The
-- tail row now also keeps the last record's time (last_time), set by the
-- statement that inserts the record, so the read names (seq, time) and
-- prunes to one partition.
--
-- Future partitions. Maintenance (MaintainPartitions, once a minute)
-- creates the partitions of the current month and the next three, and
-- moves rows the default partition holds into their month's partition.
-- records_default is the safety net: an insert whose month has no
-- partition yet (maintenance stopped for months, a clock far off) lands
-- there instead of failing, and the next maintenance moves it out.
--
-- This migration copies the log in one transaction that holds appends
-- until it commits: minutes for a log of tens of millions of records.
ALTER TABLE records RENAME TO records_unpartitioned;
ALTER TABLE records_unpartitioned DROP CONSTRAINT records_pkey;
DROP INDEX records_person_seq;
DROP INDEX records_id;
DROP INDEX records_rp_time;

CREATE TABLE records (
	seq         bigint      NOT NULL,
	id          text        NOT NULL,
	time        timestamptz,
	person_id   text        NOT NULL,
	rp_id       text        NOT NULL,
	rp_name     text        NOT NULL,
	channel     text        NOT NULL,
	level       text        NOT NULL,
	provided    text[],
	outcome     text        NOT NULL,
	guardian_id text        NOT NULL,
	prev_hash   bytea,
	hash        bytea,
	CONSTRAINT records_seq_time UNIQUE (seq, time)
) PARTITION BY RANGE (time);

CREATE TABLE records_default PARTITION OF records DEFAULT;

-- A partition for each month that holds records, and for the current
-- month and the next three.
DO $$
DECLARE
	m timestamptz;
BEGIN
	FOR m IN
		SELECT DISTINCT date_trunc('month', time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM records_unpartitioned
		WHERE time IS NOT NULL
		UNION
		SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => k)) AT TIME ZONE 'UTC'
		FROM generate_series(0, 3) AS k
	LOOP
		EXECUTE format('CREATE TABLE %I PARTITION OF records FOR VALUES FROM (%L) TO (%L)',
			to_char(m AT TIME ZONE 'UTC', '"records_y"YYYY"m"MM'), m,
			(m AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC');
	END LOOP;
END $$;

INSERT INTO records SELECT seq, id, time, person_id, rp_id, rp_name, channel, level, provided, outcome,
	guardian_id, prev_hash, hash FROM records_unpartitioned;
DROP TABLE records_unpartitioned;

-- Each index is one per partition (a partitioned index). The queries:
--   AppendRecord's predecessor: seq = $1 AND time = $2 (records_seq_time,
--     one partition);
--   ListRecords: seq > $1 ORDER BY seq LIMIT n (records_seq_time of
--     each partition, merged);
--   ListPersonRecords: person_id = $1 [AND seq < $2] ORDER BY seq DESC
--     (records_person_seq of each partition, merged);
--   ListUnrecordedSessions: id = sessions.id (records_id);
--   CountRPRecords: rp_id = $1 AND time in [$2, $3) (records_rp_time, only
--     the partitions of the period).
CREATE INDEX records_person_seq ON records (person_id, seq);
CREATE INDEX records_id ON records (id);
CREATE INDEX records_rp_time ON records (rp_id, time);

ALTER TABLE record_log_tail ADD COLUMN last_time timestamptz;
UPDATE record_log_tail SET last_time = (SELECT time FROM records WHERE records.seq = record_log_tail.seq);
