package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

var codes = newTable("codes", "code",
	`id, subject, phone_index, hash, attempts, created_at, expires_at, consumed_at`,
	func(c *storage.Code) []any {
		return []any{&c.ID, &c.Subject, &c.PhoneIndex, &c.Hash, &c.Attempts, &c.CreatedAt, &c.ExpiresAt, &c.ConsumedAt}
	})

// CreateCode stores a new one-time code; ErrAlreadyExists if the ID is taken.
func (s *Store) CreateCode(ctx context.Context, c storage.Code) error {
	return create(ctx, s, codes, c)
}

// LatestCode returns the most recently created code for subject (by
// CreatedAt, ties broken by the greater ID); ErrNotFound if there is none.
func (s *Store) LatestCode(ctx context.Context, subject string) (storage.Code, error) {
	return get(ctx, s, codes, "latest code", codes.selectAll+`
		WHERE subject = $1 ORDER BY created_at DESC NULLS LAST, id DESC LIMIT 1`, subject)
}

// UpdateCode replaces the code id with fn's result, in a transaction holding
// the row. The ID cannot be changed.
func (s *Store) UpdateCode(ctx context.Context, id string, fn func(storage.Code) (storage.Code, error)) (storage.Code, error) {
	return update(ctx, s, codes, id, fn)
}

// Increment atomically adds 1 to the counter key and returns the new value.
// A counter whose expiry is at or before s.Now() counts as absent: it starts
// again at 1 and takes expiresAt. Otherwise the counter keeps its expiry. A
// zero expiresAt never expires.
func (s *Store) Increment(ctx context.Context, key string, expiresAt time.Time) (int64, error) {
	var v int64
	err := s.queryRow(ctx, `INSERT INTO counters AS c (key, value, expires_at) VALUES ($1, 1, $2)
		ON CONFLICT (key) DO UPDATE SET
			value = CASE WHEN c.expires_at <= $3 THEN 1 ELSE c.value + 1 END,
			expires_at = CASE WHEN c.expires_at <= $3 THEN excluded.expires_at ELSE c.expires_at END
		RETURNING value`, key, expiresAt, s.now()).Scan(&v)
	if err != nil {
		return 0, s.fail("increment", err)
	}
	return v, nil
}

// UseNonce records key until expiresAt; ErrAlreadyExists if key is recorded
// and its expiry is after s.Now(). An expired record is replaced. A zero
// expiresAt never expires.
func (s *Store) UseNonce(ctx context.Context, key string, expiresAt time.Time) error {
	return s.change(ctx, "use nonce", storage.ErrAlreadyExists, useNonce, key, expiresAt, s.now())
}

// useNonce records the one-time value $1 until $2, replacing a record that
// expired by $3, and changes no row if $1 is recorded and unexpired.
var useNonce = nonceUpsert(1)

// nonceUpsert is useNonce with its three parameters numbered from $n.
func nonceUpsert(n int) string {
	return fmt.Sprintf(`INSERT INTO nonces AS n (key, expires_at) VALUES ($%d, $%d)
		ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
		WHERE n.expires_at <= $%d`, n, n+1, n+2)
}

// spendNonce records n as UseNonce does, whether or not it was recorded
// already: for a change that matches nothing before its statement runs
// (ClaimSession, FinishSession), whose one-time value is spent all the
// same. A zero Key records nothing.
func (s *Store) spendNonce(ctx context.Context, op string, n storage.Nonce) error {
	if n.Key == "" {
		return nil
	}
	if _, err := s.exec(ctx, useNonce, n.Key, n.ExpiresAt, s.now()); err != nil {
		return s.fail(op, err)
	}
	return nil
}
