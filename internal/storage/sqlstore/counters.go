package sqlstore

import (
	"context"

	"github.com/netid-project/netid/internal/storage"
)

var counters = newTable("service_counters", "counter",
	`id, name, kind, legal_basis, public_key, key_id, certificate, state, disabled_reason,
	created_at, disabled_at, updated_at`,
	func(c *storage.Counter) []any {
		return []any{&c.ID, &c.Name, &c.Kind, &c.LegalBasis, &c.PublicKey, &c.KeyID, &c.Certificate,
			&c.State, &c.DisabledReason, &c.CreatedAt, &c.DisabledAt, &c.UpdatedAt}
	})

// CreateCounter registers a counter; ErrAlreadyExists if the ID is taken.
func (s *Store) CreateCounter(ctx context.Context, c storage.Counter) error {
	return create(ctx, s, counters, c)
}

// GetCounter returns the counter id; ErrNotFound if there is none.
func (s *Store) GetCounter(ctx context.Context, id string) (storage.Counter, error) {
	return get(ctx, s, counters, "get counter", counters.byKey, id)
}

// ListCounters returns every counter ordered by ID.
func (s *Store) ListCounters(ctx context.Context) ([]storage.Counter, error) {
	return list(ctx, s, counters, "list counters", counters.selectAll+` ORDER BY id`)
}

// UpdateCounter replaces the counter id with fn's result, in a transaction
// holding the row. The ID cannot be changed.
func (s *Store) UpdateCounter(ctx context.Context, id string, fn func(storage.Counter) (storage.Counter, error)) (storage.Counter, error) {
	return update(ctx, s, counters, id, fn)
}
