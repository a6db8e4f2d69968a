package sqlstore

import (
	"context"

	"github.com/netid-project/netid/internal/storage"
)

var signingKeys = newTable("signing_keys", "signing key",
	`id, algorithm, private, public, created_at, retired_at, publish_until`,
	func(k *storage.SigningKey) []any {
		return []any{&k.ID, &k.Algorithm, &k.Private, &k.Public, &k.CreatedAt, &k.RetiredAt, &k.PublishUntil}
	})

// CreateSigningKey stores a new signing key; ErrAlreadyExists if the ID is taken.
func (s *Store) CreateSigningKey(ctx context.Context, k storage.SigningKey) error {
	return create(ctx, s, signingKeys, k)
}

// ListSigningKeys returns every signing key, newest (by CreatedAt) first.
func (s *Store) ListSigningKeys(ctx context.Context) ([]storage.SigningKey, error) {
	return list(ctx, s, signingKeys, "list signing keys", signingKeys.selectAll+`
		ORDER BY created_at DESC NULLS LAST, id DESC`)
}

// UpdateSigningKey replaces the signing key id with fn's result, in a
// transaction holding the row. The ID cannot be changed.
func (s *Store) UpdateSigningKey(ctx context.Context, id string, fn func(storage.SigningKey) (storage.SigningKey, error)) (storage.SigningKey, error) {
	return update(ctx, s, signingKeys, id, fn)
}
