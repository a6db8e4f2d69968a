package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// partitionLock serialises MaintainPartitions across processes, per
// schema, for the rest of its transaction.
var partitionLock = fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d, hashtext(coalesce(current_schema(), '')))`, partitionLockClass)

// recordPartition names the partition of records holding the month that
// begins at m (UTC), as migration 0013 names them.
func recordPartition(m time.Time) string {
	return fmt.Sprintf("records_y%04dm%02d", m.Year(), int(m.Month()))
}

// monthStart returns the first instant of t's month in UTC.
func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// MaintainPartitions creates the partitions of records for the month of
// now and the storage.PartitionsAhead months after it, and for every month
// the default partition holds records of (moving them in), on PostgreSQL;
// on SQLite, records is one table and there is nothing to do.
//
// Each missing month is created in its own transaction under an advisory
// lock, after checking again that it is missing: concurrent callers
// create each partition once, and the others find it there. A month is
// created as a table of its own, filled with the default partition's rows
// of that month, then attached: ATTACH takes a SHARE UPDATE EXCLUSIVE lock
// on records, so appends continue while it runs (CREATE TABLE … PARTITION
// OF would take an ACCESS EXCLUSIVE one, and fail if the default partition
// held rows of the month).
func (s *Store) MaintainPartitions(ctx context.Context, now time.Time) error {
	const op = "maintain record partitions"
	if !s.f.monthlyRecords {
		return nil
	}
	have, err := s.recordPartitions(ctx, op)
	if err != nil {
		return err
	}
	months := make(map[time.Time]bool)
	first := monthStart(now)
	for k := range storage.PartitionsAhead + 1 {
		months[first.AddDate(0, k, 0)] = true
	}
	stray, err := s.query(ctx, `SELECT DISTINCT date_trunc('month', time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM records_default
		WHERE time IS NOT NULL`)
	if err != nil {
		return s.fail(op+": read the default partition", err)
	}
	for stray.Next() {
		var m time.Time
		if err := stray.Scan(&m); err != nil {
			stray.Close()
			return s.fail(op+": read the default partition", err)
		}
		months[monthStart(m)] = true
	}
	stray.Close()
	if err := stray.Err(); err != nil {
		return s.fail(op+": read the default partition", err)
	}
	for m := range months {
		if have[recordPartition(m)] {
			continue
		}
		if err := s.createRecordPartition(ctx, op, m); err != nil {
			return err
		}
	}
	return nil
}

// recordPartitions returns the names of records' partitions.
func (s *Store) recordPartitions(ctx context.Context, op string) (map[string]bool, error) {
	rows, err := s.query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'records'::regclass`)
	if err != nil {
		return nil, s.fail(op+": list partitions", err)
	}
	defer rows.Close()
	have := make(map[string]bool)
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, s.fail(op+": list partitions", err)
		}
		have[name] = true
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op+": list partitions", err)
	}
	return have, nil
}

// createRecordPartition creates and attaches the partition of the month
// beginning at m, unless it exists, moving the default partition's rows of
// that month into it.
func (s *Store) createRecordPartition(ctx context.Context, op string, m time.Time) error {
	name := recordPartition(m)
	from, to := m.Format(time.RFC3339), m.AddDate(0, 1, 0).Format(time.RFC3339)
	return s.inTx(ctx, op, func(tx *Store) error {
		if _, err := tx.exec(ctx, partitionLock); err != nil {
			return tx.fail(op+": lock", err)
		}
		var exists bool
		if err := tx.queryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
			return tx.fail(op+": look for "+name, err)
		}
		if exists {
			return nil
		}
		// name, from and to are formatted here from a time, never from
		// input: DDL takes no parameters.
		for _, q := range []struct{ what, sql string }{
			{"create", `CREATE TABLE ` + name + ` (LIKE records INCLUDING DEFAULTS)`},
			{"move the default partition's rows", `WITH moved AS (DELETE FROM records_default
				WHERE time >= '` + from + `' AND time < '` + to + `' RETURNING *)
				INSERT INTO ` + name + ` SELECT * FROM moved`},
			{"attach", `ALTER TABLE records ATTACH PARTITION ` + name + ` FOR VALUES FROM ('` + from + `') TO ('` + to + `')`},
		} {
			if _, err := tx.exec(ctx, q.sql); err != nil {
				return tx.fail(op+": "+q.what+" "+name, err)
			}
		}
		return nil
	})
}
