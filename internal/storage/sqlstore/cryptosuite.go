package sqlstore

import (
	"context"
	"errors"

	"github.com/netid-project/netid/internal/storage"
)

// RecordCryptoSuite inserts the one row of crypto_suite unless it exists
// (ON CONFLICT DO NOTHING, atomic on both databases) and reads it back.
func (s *Store) RecordCryptoSuite(ctx context.Context, name string) (string, error) {
	const op = "record the crypto suite"
	if name == "" {
		return "", errors.New("sqlstore: " + op + ": empty name")
	}
	if _, err := s.exec(ctx, `INSERT INTO crypto_suite (id, name) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, name); err != nil {
		return "", s.fail(op, err)
	}
	stored, err := s.CryptoSuite(ctx)
	if err != nil {
		return "", err
	}
	if stored == "" {
		return "", errors.New("sqlstore: " + op + ": no row after the insert")
	}
	return stored, nil
}

// CryptoSuite reads the one row of crypto_suite; "" if there is none.
func (s *Store) CryptoSuite(ctx context.Context) (string, error) {
	var name string
	if err := s.queryRow(ctx, `SELECT name FROM crypto_suite WHERE id = 1`).Scan(&name); err != nil {
		if err = s.fail("read the crypto suite", err); errors.Is(err, storage.ErrNotFound) {
			return "", nil
		}
		return "", err
	}
	return name, nil
}
