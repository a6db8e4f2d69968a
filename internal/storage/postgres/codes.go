package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/netid-project/netid/internal/storage"
)

const codeColumns = `id, subject, phone_index, hash, attempts, created_at, expires_at, consumed_at`

func codeArgs(c storage.Code) []any {
	return []any{c.ID, c.Subject, c.PhoneIndex, bytesArg(c.Hash), c.Attempts,
		timeArg(c.CreatedAt), timeArg(c.ExpiresAt), timeArg(c.ConsumedAt)}
}

func scanCode(row scanner) (storage.Code, error) {
	var c storage.Code
	var created, expires, consumed pgtype.Timestamptz
	if err := row.Scan(&c.ID, &c.Subject, &c.PhoneIndex, &c.Hash, &c.Attempts, &created, &expires, &consumed); err != nil {
		return storage.Code{}, err
	}
	c.Hash = bytesVal(c.Hash)
	c.CreatedAt, c.ExpiresAt, c.ConsumedAt = timeVal(created), timeVal(expires), timeVal(consumed)
	return c, nil
}

// normCode is c as it reads back from storage.
func normCode(c storage.Code) storage.Code {
	c.Hash = bytesVal(c.Hash)
	c.CreatedAt, c.ExpiresAt, c.ConsumedAt = normTime(c.CreatedAt), normTime(c.ExpiresAt), normTime(c.ConsumedAt)
	return c
}

// CreateCode stores a new one-time code; ErrAlreadyExists if the ID is taken.
func (s *Storage) CreateCode(ctx context.Context, c storage.Code) error {
	if _, err := s.pool.Exec(ctx,
		`INSERT INTO codes (`+codeColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, codeArgs(c)...); err != nil {
		return translate("create code", err)
	}
	return nil
}

// LatestCode returns the most recently created code for subject (by
// CreatedAt, ties broken by the greater ID); ErrNotFound if there is none.
func (s *Storage) LatestCode(ctx context.Context, subject string) (storage.Code, error) {
	c, err := scanCode(s.pool.QueryRow(ctx, `SELECT `+codeColumns+` FROM codes
		WHERE subject = $1 ORDER BY created_at DESC NULLS LAST, id DESC LIMIT 1`, subject))
	if err != nil {
		return storage.Code{}, translate("latest code", err)
	}
	return c, nil
}

// UpdateCode replaces the code id with fn's result, in a transaction holding
// the row lock. The ID cannot be changed.
func (s *Storage) UpdateCode(ctx context.Context, id string, fn func(storage.Code) (storage.Code, error)) (storage.Code, error) {
	var out storage.Code
	err := s.inTx(ctx, "update code", func(tx pgx.Tx) error {
		cur, err := scanCode(tx.QueryRow(ctx, `SELECT `+codeColumns+` FROM codes WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return translate("update code", err)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		next.ID = id
		if _, err := tx.Exec(ctx, `UPDATE codes SET
			subject = $2, phone_index = $3, hash = $4, attempts = $5,
			created_at = $6, expires_at = $7, consumed_at = $8
			WHERE id = $1`, codeArgs(next)...); err != nil {
			return translate("update code", err)
		}
		out = normCode(next)
		return nil
	})
	return out, err
}

// Increment atomically adds 1 to the counter key and returns the new value.
// A counter whose expiry is at or before s.Now() counts as absent: it starts
// again at 1 and takes expiresAt. Otherwise the counter keeps its expiry. A
// zero expiresAt never expires.
func (s *Storage) Increment(ctx context.Context, key string, expiresAt time.Time) (int64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `INSERT INTO counters AS c (key, value, expires_at) VALUES ($1, 1, $2)
		ON CONFLICT (key) DO UPDATE SET
			value = CASE WHEN c.expires_at <= $3 THEN 1 ELSE c.value + 1 END,
			expires_at = CASE WHEN c.expires_at <= $3 THEN excluded.expires_at ELSE c.expires_at END
		RETURNING value`, key, timeArg(expiresAt), timeArg(s.now())).Scan(&v)
	if err != nil {
		return 0, translate("increment", err)
	}
	return v, nil
}

// UseNonce records key until expiresAt; ErrAlreadyExists if key is recorded
// and its expiry is after s.Now(). An expired record is replaced. A zero
// expiresAt never expires.
func (s *Storage) UseNonce(ctx context.Context, key string, expiresAt time.Time) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO nonces AS n (key, expires_at) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
		WHERE n.expires_at <= $3`, key, timeArg(expiresAt), timeArg(s.now()))
	if err != nil {
		return translate("use nonce", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: use nonce: %w", storage.ErrAlreadyExists)
	}
	return nil
}
