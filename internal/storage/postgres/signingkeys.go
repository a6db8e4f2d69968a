package postgres

import (
	"context"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/netid-project/netid/internal/storage"
)

const signingKeyColumns = `id, algorithm, private, public, created_at, retired_at, publish_until`

func signingKeyArgs(k storage.SigningKey) []any {
	return []any{k.ID, k.Algorithm, bytesArg(k.Private), bytesArg(k.Public),
		timeArg(k.CreatedAt), timeArg(k.RetiredAt), timeArg(k.PublishUntil)}
}

func scanSigningKey(row scanner) (storage.SigningKey, error) {
	var k storage.SigningKey
	var created, retired, publish pgtype.Timestamptz
	if err := row.Scan(&k.ID, &k.Algorithm, &k.Private, &k.Public, &created, &retired, &publish); err != nil {
		return storage.SigningKey{}, err
	}
	k.Private, k.Public = bytesVal(k.Private), bytesVal(k.Public)
	k.CreatedAt, k.RetiredAt, k.PublishUntil = timeVal(created), timeVal(retired), timeVal(publish)
	return k, nil
}

// normSigningKey is k as it reads back from storage.
func normSigningKey(k storage.SigningKey) storage.SigningKey {
	k.Private, k.Public = bytesVal(k.Private), bytesVal(k.Public)
	k.CreatedAt, k.RetiredAt, k.PublishUntil = normTime(k.CreatedAt), normTime(k.RetiredAt), normTime(k.PublishUntil)
	return k
}

// CreateSigningKey stores a new signing key; ErrAlreadyExists if the ID is taken.
func (s *Storage) CreateSigningKey(ctx context.Context, k storage.SigningKey) error {
	if _, err := s.pool.Exec(ctx,
		`INSERT INTO signing_keys (`+signingKeyColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`, signingKeyArgs(k)...); err != nil {
		return translate("create signing key", err)
	}
	return nil
}

// ListSigningKeys returns every signing key, newest (by CreatedAt) first.
func (s *Storage) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys
		ORDER BY created_at DESC NULLS LAST, id DESC`)
	if err != nil {
		return nil, translate("list signing keys", err)
	}
	defer rows.Close()
	var out []storage.SigningKey
	for rows.Next() {
		k, err := scanSigningKey(rows)
		if err != nil {
			return nil, translate("list signing keys", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("list signing keys", err)
	}
	return out, nil
}

// UpdateSigningKey replaces the signing key id with fn's result, in a
// transaction holding the row lock. The ID cannot be changed.
func (s *Storage) UpdateSigningKey(ctx context.Context, id string, fn func(storage.SigningKey) (storage.SigningKey, error)) (storage.SigningKey, error) {
	var out storage.SigningKey
	err := s.inTx(ctx, "update signing key", func(tx pgx.Tx) error {
		cur, err := scanSigningKey(tx.QueryRow(ctx,
			`SELECT `+signingKeyColumns+` FROM signing_keys WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return translate("update signing key", err)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		next.ID = id
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET
			algorithm = $2, private = $3, public = $4, created_at = $5, retired_at = $6, publish_until = $7
			WHERE id = $1`, signingKeyArgs(next)...); err != nil {
			return translate("update signing key", err)
		}
		out = normSigningKey(next)
		return nil
	})
	return out, err
}
