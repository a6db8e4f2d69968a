package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/netid-project/netid/internal/storage"
)

const personColumns = `id, person_index, wanghao, state, identity, phone_index, phone,
	password_hash, password_failures, password_locked_until, created_at, updated_at, guardian_id,
	photo, cancelled_at`

func personArgs(p storage.Person) []any {
	return []any{p.ID, p.Index, p.Wanghao, string(p.State), bytesArg(p.Identity), p.PhoneIndex,
		bytesArg(p.Phone), p.PasswordHash, p.PasswordFailures, timeArg(p.PasswordLockedUntil),
		timeArg(p.CreatedAt), timeArg(p.UpdatedAt), p.GuardianID,
		bytesArg(p.Photo), timeArg(p.CancelledAt)}
}

func scanPerson(row scanner) (storage.Person, error) {
	var p storage.Person
	var state string
	var locked, created, updated, cancelled pgtype.Timestamptz
	err := row.Scan(&p.ID, &p.Index, &p.Wanghao, &state, &p.Identity, &p.PhoneIndex, &p.Phone,
		&p.PasswordHash, &p.PasswordFailures, &locked, &created, &updated, &p.GuardianID,
		&p.Photo, &cancelled)
	if err != nil {
		return storage.Person{}, err
	}
	p.State = storage.PersonState(state)
	p.Identity, p.Phone = bytesVal(p.Identity), bytesVal(p.Phone)
	p.PasswordLockedUntil, p.CreatedAt, p.UpdatedAt = timeVal(locked), timeVal(created), timeVal(updated)
	p.Photo, p.CancelledAt = bytesVal(p.Photo), timeVal(cancelled)
	return p, nil
}

// normPerson is p as it reads back from storage.
func normPerson(p storage.Person) storage.Person {
	p.Identity, p.Phone = bytesVal(p.Identity), bytesVal(p.Phone)
	p.PasswordLockedUntil = normTime(p.PasswordLockedUntil)
	p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
	p.Photo, p.CancelledAt = bytesVal(p.Photo), normTime(p.CancelledAt)
	return p
}

// GetOrCreatePerson returns the person with p.Index, creating p if there is
// none. It looks the index up first (the common case for a returning
// person), then inserts with ON CONFLICT (person_index) DO NOTHING, which
// waits for a racing insert of the same index to commit: exactly one racing
// caller creates, and the others then read its row.
func (s *Storage) GetOrCreatePerson(ctx context.Context, p storage.Person) (storage.Person, bool, error) {
	if got, err := s.personByIndex(ctx, p.Index); err == nil {
		return got, false, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return storage.Person{}, false, err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO persons (`+personColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) ON CONFLICT (person_index) DO NOTHING`, personArgs(p)...)
	if err != nil {
		return storage.Person{}, false, translate("get or create person", err)
	}
	if tag.RowsAffected() == 1 {
		return normPerson(p), true, nil
	}
	got, err := s.personByIndex(ctx, p.Index)
	if err != nil {
		return storage.Person{}, false, err
	}
	return got, false, nil
}

// personByIndex returns the person with the blind index index.
func (s *Storage) personByIndex(ctx context.Context, index string) (storage.Person, error) {
	p, err := scanPerson(s.pool.QueryRow(ctx,
		`SELECT `+personColumns+` FROM persons WHERE person_index = $1`, index))
	if err != nil {
		return storage.Person{}, translate("get or create person", err)
	}
	return p, nil
}

// GetPerson returns the person id; ErrNotFound if there is none.
func (s *Storage) GetPerson(ctx context.Context, id string) (storage.Person, error) {
	p, err := scanPerson(s.pool.QueryRow(ctx, `SELECT `+personColumns+` FROM persons WHERE id = $1`, id))
	if err != nil {
		return storage.Person{}, translate("get person", err)
	}
	return p, nil
}

// GetPersonByWanghao returns the person holding the 网号 wanghao; ErrNotFound
// if there is none.
func (s *Storage) GetPersonByWanghao(ctx context.Context, wanghao string) (storage.Person, error) {
	p, err := scanPerson(s.pool.QueryRow(ctx, `SELECT `+personColumns+` FROM persons WHERE wanghao = $1`, wanghao))
	if err != nil {
		return storage.Person{}, translate("get person by wanghao", err)
	}
	return p, nil
}

// GetPersonByIndex returns the person with the blind index index;
// ErrNotFound if there is none.
func (s *Storage) GetPersonByIndex(ctx context.Context, index string) (storage.Person, error) {
	p, err := scanPerson(s.pool.QueryRow(ctx, `SELECT `+personColumns+` FROM persons WHERE person_index = $1`, index))
	if err != nil {
		return storage.Person{}, translate("get person by index", err)
	}
	return p, nil
}

// UpdatePerson replaces the person id with fn's result, in a transaction
// holding the row lock. The ID cannot be changed; a new Index or Wanghao
// that another person holds is ErrAlreadyExists.
func (s *Storage) UpdatePerson(ctx context.Context, id string, fn func(storage.Person) (storage.Person, error)) (storage.Person, error) {
	var out storage.Person
	err := s.inTx(ctx, "update person", func(tx pgx.Tx) error {
		cur, err := scanPerson(tx.QueryRow(ctx,
			`SELECT `+personColumns+` FROM persons WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return translate("update person", err)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		next.ID = id
		_, err = tx.Exec(ctx, `UPDATE persons SET
			person_index = $2, wanghao = $3, state = $4, identity = $5, phone_index = $6, phone = $7,
			password_hash = $8, password_failures = $9, password_locked_until = $10,
			created_at = $11, updated_at = $12, guardian_id = $13, photo = $14, cancelled_at = $15
			WHERE id = $1`, personArgs(next)...)
		if err != nil {
			return translate("update person", err)
		}
		out = normPerson(next)
		return nil
	})
	return out, err
}

// ListWards returns the persons whose guardian is guardianID, ordered by
// CreatedAt then ID; nil for an empty guardianID. The query repeats the
// predicate of the partial index persons_guardian.
func (s *Storage) ListWards(ctx context.Context, guardianID string) ([]storage.Person, error) {
	if guardianID == "" {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+personColumns+` FROM persons
		WHERE guardian_id = $1 AND guardian_id <> '' ORDER BY created_at ASC NULLS FIRST, id ASC`, guardianID)
	return collect("list wards", rows, err, scanPerson)
}
