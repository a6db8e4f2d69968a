package sqlstore

import (
	"context"
	"errors"

	"github.com/netid-project/netid/internal/storage"
)

var persons = newTable("persons", "person",
	`id, person_index, wanghao, state, identity, phone_index, phone,
	password_hash, password_failures, password_locked_until, created_at, updated_at, guardian_id,
	photo, cancelled_at, identity_format`,
	func(p *storage.Person) []any {
		return []any{&p.ID, &p.Index, &p.Wanghao, &p.State, &p.Identity, &p.PhoneIndex, &p.Phone,
			&p.PasswordHash, &p.PasswordFailures, &p.PasswordLockedUntil, &p.CreatedAt, &p.UpdatedAt, &p.GuardianID,
			&p.Photo, &p.CancelledAt, &p.IdentityFormat}
	})

// GetOrCreatePerson returns the person with p.Index, creating p if there is
// none. It looks the index up first (the common case for a returning
// person), then inserts with ON CONFLICT (person_index) DO NOTHING: the
// unique index decides races (on PostgreSQL the insert waits for a racing
// insert of the same index to commit), so exactly one racing caller
// creates, and the others read its row.
func (s *Store) GetOrCreatePerson(ctx context.Context, p storage.Person) (storage.Person, bool, error) {
	const op = "get or create person"
	byIndex := persons.selectAll + ` WHERE person_index = $1`
	if got, err := get(ctx, s, persons, op, byIndex, p.Index); err == nil {
		return got, false, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return storage.Person{}, false, err
	}
	n, err := s.exec(ctx, persons.insert+` ON CONFLICT (person_index) DO NOTHING`, persons.args(p)...)
	if err != nil {
		return storage.Person{}, false, s.fail(op, err)
	}
	if n == 1 {
		return readBack(p), true, nil
	}
	got, err := get(ctx, s, persons, op, byIndex, p.Index)
	if err != nil {
		return storage.Person{}, false, err
	}
	return got, false, nil
}

// GetPerson returns the person id; ErrNotFound if there is none.
func (s *Store) GetPerson(ctx context.Context, id string) (storage.Person, error) {
	return get(ctx, s, persons, "get person", persons.byKey, id)
}

// GetPersonByWanghao returns the person holding the 网号 wanghao; ErrNotFound
// if there is none.
func (s *Store) GetPersonByWanghao(ctx context.Context, wanghao string) (storage.Person, error) {
	return get(ctx, s, persons, "get person by wanghao", persons.selectAll+` WHERE wanghao = $1`, wanghao)
}

// GetPersonByIndex returns the person with the blind index index;
// ErrNotFound if there is none.
func (s *Store) GetPersonByIndex(ctx context.Context, index string) (storage.Person, error) {
	return get(ctx, s, persons, "get person by index", persons.selectAll+` WHERE person_index = $1`, index)
}

// UpdatePerson replaces the person id with fn's result, in a transaction
// holding the row. The ID cannot be changed; a new Index or Wanghao that
// another person holds is ErrAlreadyExists.
func (s *Store) UpdatePerson(ctx context.Context, id string, fn func(storage.Person) (storage.Person, error)) (storage.Person, error) {
	return update(ctx, s, persons, id, fn)
}

// ListWards returns the persons whose guardian is guardianID, ordered by
// CreatedAt then ID; nil for an empty guardianID. The query repeats the
// predicate of the partial index persons_guardian.
func (s *Store) ListWards(ctx context.Context, guardianID string) ([]storage.Person, error) {
	if guardianID == "" {
		return nil, nil
	}
	return list(ctx, s, persons, "list wards", persons.selectAll+`
		WHERE guardian_id = $1 AND guardian_id <> '' ORDER BY created_at ASC NULLS FIRST, id ASC`, guardianID)
}
