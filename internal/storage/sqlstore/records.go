package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/netid-project/netid/internal/storage"
)

var records = newTable("records", "record",
	`seq, id, time, person_id, rp_id, rp_name, channel, level, provided, outcome,
	guardian_id, prev_hash, hash`,
	func(r *storage.Record) []any {
		return []any{&r.Seq, &r.ID, &r.Time, &r.PersonID, &r.RPID, &r.RPName, &r.Channel, &r.Level, &r.Provided, &r.Outcome,
			&r.GuardianID, &r.PrevHash, &r.Hash}
	})

// errTailMismatch is returned by AppendRecord when the log's tail names a
// Seq whose predecessor is missing: it never chains a record to a guess.
var errTailMismatch = errors.New("the record log's tail and its last record disagree")

// AppendRecord appends r at the end of the log, in a transaction that
// holds the log's tail from before it reads the last record until it
// commits: racing appends serialise, each reads its true predecessor, and
// Seq values are contiguous. chain runs under that hold and must not call
// back into the Store.
//
// The tail is taken (flavor.takeTail) and the predecessor read in two
// statements: on PostgreSQL the read must see what committed while the
// take waited for the tail's row lock, which one statement (with its
// snapshot taken before the wait) would miss.
func (s *Store) AppendRecord(ctx context.Context, r storage.Record, chain func(prev *storage.Record, r storage.Record) (storage.Record, error)) (storage.Record, error) {
	const op = "append record"
	var out storage.Record
	err := s.inTx(ctx, op, func(tx *Store) error {
		var seq int64
		if err := tx.queryRow(ctx, tx.f.takeTail).Scan(&seq); err != nil {
			return tx.fail(op+": take the tail", err)
		}
		var prev *storage.Record
		if seq > 1 {
			last, err := get(ctx, tx, records, op+": read the predecessor", records.byKey, seq-1)
			if errors.Is(err, storage.ErrNotFound) {
				return tx.fail(op, fmt.Errorf("%w at Seq %d", errTailMismatch, seq))
			}
			if err != nil {
				return err
			}
			prev = &last
		}
		// chain sees r as it will read back, so that a hash it computes
		// covers the stored values (times truncated, empty slices nil).
		r = readBack(r)
		r.Seq = seq
		if chain != nil {
			next, err := chain(prev, r)
			if err != nil {
				// Inside a longer transaction, give the Seq back for the
				// next append of the same transaction.
				if tx.f.untakeTail != "" {
					if _, uerr := tx.exec(ctx, tx.f.untakeTail); uerr != nil {
						_ = tx.fail(op+": give back the tail", uerr)
					}
				}
				return err
			}
			r = next
			r.Seq = seq
		}
		if _, err := tx.exec(ctx, records.insert, records.args(r)...); err != nil {
			return tx.fail(op, err)
		}
		out = readBack(r)
		return nil
	})
	return out, err
}

// ListRecords returns up to limit records with Seq > after, by Seq.
func (s *Store) ListRecords(ctx context.Context, after int64, limit int) ([]storage.Record, error) {
	if limit < 1 {
		return nil, nil
	}
	return list(ctx, s, records, "list records", records.selectAll+`
		WHERE seq > $1 ORDER BY seq ASC LIMIT $2`, after, limit)
}

// ListPersonRecords returns up to limit of personID's records with
// Seq < before (before 0: from the newest), newest first, through the index
// records_person_seq.
func (s *Store) ListPersonRecords(ctx context.Context, personID string, before int64, limit int) ([]storage.Record, error) {
	if limit < 1 {
		return nil, nil
	}
	if before == 0 {
		return list(ctx, s, records, "list person records", records.selectAll+`
			WHERE person_id = $1 ORDER BY seq DESC LIMIT $2`, personID, limit)
	}
	return list(ctx, s, records, "list person records", records.selectAll+`
		WHERE person_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`, personID, before, limit)
}

// ---- Heads ----

var heads = newTable("heads", "head", `seq, hash, time, signature`,
	func(h *storage.Head) []any { return []any{&h.Seq, &h.Hash, &h.Time, &h.Signature} })

// PutHead stores h; ErrAlreadyExists if a head for h.Seq is stored.
func (s *Store) PutHead(ctx context.Context, h storage.Head) error {
	if _, err := s.exec(ctx, heads.insert, heads.args(h)...); err != nil {
		return s.fail("put head", err)
	}
	return nil
}

// ListHeads returns every stored head ordered by Seq.
func (s *Store) ListHeads(ctx context.Context) ([]storage.Head, error) {
	return list(ctx, s, heads, "list heads", heads.selectAll+` ORDER BY seq`)
}
