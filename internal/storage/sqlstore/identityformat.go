package sqlstore

import (
	"context"

	"github.com/netid-project/netid/internal/storage"
)

// ListPersonsByIdentityFormat returns up to limit persons whose
// identity_format is from 1 to below format, with IDs after after, ordered
// by ID (the index persons_identity_format).
func (s *Store) ListPersonsByIdentityFormat(ctx context.Context, format int, after string, limit int) ([]storage.Person, error) {
	if limit < 1 {
		return nil, nil
	}
	return list(ctx, s, persons, "list persons by identity format", persons.selectAll+`
		WHERE identity_format >= 1 AND identity_format < $1 AND id > $2 ORDER BY id LIMIT $3`, format, after, limit)
}
