package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/netid-project/netid/internal/storage"
)

const recordColumns = `seq, id, time, person_id, rp_id, rp_name, channel, level, provided, outcome,
	guardian_id, prev_hash, hash`

func recordArgs(r storage.Record) []any {
	return []any{r.Seq, r.ID, timeArg(r.Time), r.PersonID, r.RPID, r.RPName, r.Channel, r.Level,
		stringList(r.Provided), r.Outcome, r.GuardianID, bytesArg(r.PrevHash), bytesArg(r.Hash)}
}

func scanRecord(row scanner) (storage.Record, error) {
	var r storage.Record
	var tm sql.NullInt64
	if err := row.Scan(&r.Seq, &r.ID, &tm, &r.PersonID, &r.RPID, &r.RPName, &r.Channel, &r.Level,
		(*stringList)(&r.Provided), &r.Outcome, &r.GuardianID, &r.PrevHash, &r.Hash); err != nil {
		return storage.Record{}, err
	}
	r.Time = timeVal(tm)
	r.PrevHash, r.Hash = bytesVal(r.PrevHash), bytesVal(r.Hash)
	return r, nil
}

// normRecord is r as it reads back from storage.
func normRecord(r storage.Record) storage.Record {
	r.Time = normTime(r.Time)
	r.Provided = normList(r.Provided)
	r.PrevHash, r.Hash = bytesVal(r.PrevHash), bytesVal(r.Hash)
	return r
}

// AppendRecord appends r at the end of the log. The transaction begins
// IMMEDIATE, so it holds the database's write lock from before it reads the
// last record until it commits: racing appends serialise, each reads its
// true predecessor, and Seq values are contiguous. chain runs under that
// lock and must not call back into the Storage.
func (s *Storage) AppendRecord(ctx context.Context, r storage.Record, chain func(prev *storage.Record, r storage.Record) (storage.Record, error)) (storage.Record, error) {
	var out storage.Record
	err := s.inTx(ctx, "append record", func(tx *sql.Tx) error {
		var prev *storage.Record
		last, err := scanRecord(tx.QueryRowContext(ctx,
			`SELECT `+recordColumns+` FROM records ORDER BY seq DESC LIMIT 1`))
		switch {
		case err == nil:
			prev = &last
		case !errors.Is(err, sql.ErrNoRows):
			return translate("append record: read tail", err)
		}
		seq := int64(1)
		if prev != nil {
			seq = prev.Seq + 1
		}
		// chain sees r as it will read back, so that a hash it computes
		// covers the stored values (times truncated, empty slices nil).
		r = normRecord(r)
		r.Seq = seq
		if chain != nil {
			if r, err = chain(prev, r); err != nil {
				return err
			}
			r.Seq = seq
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO records (`+recordColumns+`)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`, recordArgs(r)...); err != nil {
			return translate("append record", err)
		}
		out = normRecord(r)
		return nil
	})
	return out, err
}

// ListRecords returns up to limit records with Seq > after, by Seq.
func (s *Storage) ListRecords(ctx context.Context, after int64, limit int) ([]storage.Record, error) {
	if limit < 1 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+recordColumns+` FROM records
		WHERE seq > ? ORDER BY seq ASC LIMIT ?`, after, limit)
	return collect("list records", rows, err, scanRecord)
}

// ListPersonRecords returns up to limit of personID's records with
// Seq < before (before 0: from the newest), newest first, through the index
// records_person_seq.
func (s *Storage) ListPersonRecords(ctx context.Context, personID string, before int64, limit int) ([]storage.Record, error) {
	if limit < 1 {
		return nil, nil
	}
	var (
		rows *sql.Rows
		err  error
	)
	if before == 0 {
		rows, err = s.db.QueryContext(ctx, `SELECT `+recordColumns+` FROM records
			WHERE person_id = ? ORDER BY seq DESC LIMIT ?`, personID, limit)
	} else {
		rows, err = s.db.QueryContext(ctx, `SELECT `+recordColumns+` FROM records
			WHERE person_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, personID, before, limit)
	}
	return collect("list person records", rows, err, scanRecord)
}

// ---- Heads ----

// PutHead stores h; ErrAlreadyExists if a head for h.Seq is stored.
func (s *Storage) PutHead(ctx context.Context, h storage.Head) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO heads (seq, hash, time, signature) VALUES (?,?,?,?)`,
		h.Seq, bytesArg(h.Hash), timeArg(h.Time), h.Signature); err != nil {
		return translate("put head", err)
	}
	return nil
}

// ListHeads returns every stored head ordered by Seq.
func (s *Storage) ListHeads(ctx context.Context) ([]storage.Head, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, hash, time, signature FROM heads ORDER BY seq`)
	return collect("list heads", rows, err, func(row scanner) (storage.Head, error) {
		var h storage.Head
		var tm sql.NullInt64
		if err := row.Scan(&h.Seq, &h.Hash, &tm, &h.Signature); err != nil {
			return storage.Head{}, err
		}
		h.Hash, h.Time = bytesVal(h.Hash), timeVal(tm)
		return h, nil
	})
}
