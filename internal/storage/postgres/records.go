package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/netid-project/netid/internal/storage"
)

const recordColumns = `seq, id, time, person_id, rp_id, rp_name, channel, level, provided, outcome,
	guardian_id, prev_hash, hash`

func recordArgs(r storage.Record) []any {
	return []any{r.Seq, r.ID, timeArg(r.Time), r.PersonID, r.RPID, r.RPName, r.Channel, r.Level,
		listArg(r.Provided), r.Outcome, r.GuardianID, bytesArg(r.PrevHash), bytesArg(r.Hash)}
}

func scanRecord(row scanner) (storage.Record, error) {
	var r storage.Record
	var tm pgtype.Timestamptz
	if err := row.Scan(&r.Seq, &r.ID, &tm, &r.PersonID, &r.RPID, &r.RPName, &r.Channel, &r.Level,
		&r.Provided, &r.Outcome, &r.GuardianID, &r.PrevHash, &r.Hash); err != nil {
		return storage.Record{}, err
	}
	r = normRecord(r)
	r.Time = timeVal(tm)
	return r, nil
}

// normRecord is r as it reads back from storage.
func normRecord(r storage.Record) storage.Record {
	r.Time = normTime(r.Time)
	r.Provided = normList(r.Provided)
	r.PrevHash, r.Hash = bytesVal(r.PrevHash), bytesVal(r.Hash)
	return r
}

// AppendRecord appends r at the end of the log.
//
// The transaction first increments the one row of record_log_tail (UPDATE
// … RETURNING): the row lock it takes is held until commit, so racing
// appends run one after the other, and a waiting append's UPDATE re-reads
// the row its predecessor committed. It then reads the record at the new
// Seq - 1 (committed, since READ COMMITTED reads afresh per statement),
// calls chain, and inserts. If anything fails, the rollback restores the
// tail: Seq values stay contiguous.
//
// The increment and the read of the predecessor must stay two statements:
// in one (a data-modifying WITH), the read would use the statement's
// snapshot, taken before the UPDATE waited for the lock, and miss the
// predecessor committed meanwhile.
func (s *Storage) AppendRecord(ctx context.Context, r storage.Record, chain func(prev *storage.Record, r storage.Record) (storage.Record, error)) (storage.Record, error) {
	var out storage.Record
	err := s.inTx(ctx, "append record", func(tx pgx.Tx) error {
		var seq int64
		if err := tx.QueryRow(ctx, `UPDATE record_log_tail SET seq = seq + 1 RETURNING seq`).Scan(&seq); err != nil {
			return translate("append record: lock tail", err)
		}
		var prev *storage.Record
		if seq > 1 {
			last, err := scanRecord(tx.QueryRow(ctx,
				`SELECT `+recordColumns+` FROM records WHERE seq = $1`, seq-1))
			if err != nil {
				// The tail and the log disagree: never chain to a guess.
				return translate("append record: read predecessor", err)
			}
			prev = &last
		}
		// chain sees r as it will read back, so that a hash it computes
		// covers the stored values (times truncated, empty slices nil).
		r = normRecord(r)
		r.Seq = seq
		if chain != nil {
			var err error
			if r, err = chain(prev, r); err != nil {
				return err
			}
			r.Seq = seq
		}
		if err := checkLists(r.Provided); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO records (`+recordColumns+`)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`, recordArgs(r)...); err != nil {
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
	rows, err := s.pool.Query(ctx, `SELECT `+recordColumns+` FROM records
		WHERE seq > $1 ORDER BY seq ASC LIMIT $2`, after, limit)
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
		rows pgx.Rows
		err  error
	)
	if before == 0 {
		rows, err = s.pool.Query(ctx, `SELECT `+recordColumns+` FROM records
			WHERE person_id = $1 ORDER BY seq DESC LIMIT $2`, personID, limit)
	} else {
		rows, err = s.pool.Query(ctx, `SELECT `+recordColumns+` FROM records
			WHERE person_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`, personID, before, limit)
	}
	return collect("list person records", rows, err, scanRecord)
}

// ---- Heads ----

// PutHead stores h; ErrAlreadyExists if a head for h.Seq is stored.
func (s *Storage) PutHead(ctx context.Context, h storage.Head) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO heads (seq, hash, time, signature) VALUES ($1,$2,$3,$4)`,
		h.Seq, bytesArg(h.Hash), timeArg(h.Time), h.Signature); err != nil {
		return translate("put head", err)
	}
	return nil
}

// ListHeads returns every stored head ordered by Seq.
func (s *Storage) ListHeads(ctx context.Context) ([]storage.Head, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, hash, time, signature FROM heads ORDER BY seq`)
	return collect("list heads", rows, err, func(row scanner) (storage.Head, error) {
		var h storage.Head
		var tm pgtype.Timestamptz
		if err := row.Scan(&h.Seq, &h.Hash, &tm, &h.Signature); err != nil {
			return storage.Head{}, err
		}
		h.Hash, h.Time = bytesVal(h.Hash), timeVal(tm)
		return h, nil
	})
}
