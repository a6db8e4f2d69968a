package sqlstore

import (
	"context"
	"fmt"

	"github.com/netid-project/netid/internal/storage"
)

var applications = newTable("applications", "application",
	`id, state, document_type, token_hash, guardian_id, person_index, identity,
	face_challenge, face_score, phone_index, phone, password_hash, device_nonce, credential_id,
	created_at, updated_at, expires_at, kind, person_id`,
	func(a *storage.Application) []any {
		return []any{&a.ID, &a.State, &a.DocumentType, &a.TokenHash, &a.GuardianID, &a.PersonIndex,
			&a.Identity, &a.FaceChallenge, &a.FaceScore, &a.PhoneIndex, &a.Phone, &a.PasswordHash,
			&a.DeviceNonce, &a.CredentialID, &a.CreatedAt, &a.UpdatedAt, &a.ExpiresAt, &a.Kind, &a.PersonID}
	})

// CreateApplication stores a new application; ErrAlreadyExists if the ID is taken.
func (s *Store) CreateApplication(ctx context.Context, a storage.Application) error {
	return create(ctx, s, applications, a)
}

// GetApplication returns the application id; ErrNotFound if there is none.
func (s *Store) GetApplication(ctx context.Context, id string) (storage.Application, error) {
	return get(ctx, s, applications, "get application", applications.byKey, id)
}

// UpdateApplication replaces the application id with fn's result, in a
// transaction holding the row. The ID cannot be changed.
func (s *Store) UpdateApplication(ctx context.Context, id string, fn func(storage.Application) (storage.Application, error)) (storage.Application, error) {
	return update(ctx, s, applications, id, fn)
}

// ListGuardianApplications returns the applications of guardianID in state,
// oldest first.
func (s *Store) ListGuardianApplications(ctx context.Context, guardianID string, state storage.ApplicationState) ([]storage.Application, error) {
	return list(ctx, s, applications, "list guardian applications", applications.selectAll+`
		WHERE guardian_id = $1 AND state = $2 ORDER BY created_at ASC NULLS FIRST, id ASC`,
		guardianID, string(state))
}

// PutApplicationPhoto keeps the sealed face image of application id in
// application_photos, replacing one kept before; ErrNotFound if there is
// no such application.
func (s *Store) PutApplicationPhoto(ctx context.Context, id string, sealed []byte) error {
	const op = "put application photo"
	n, err := s.exec(ctx, `INSERT INTO application_photos (application_id, photo)
		SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM applications WHERE id = $1)
		ON CONFLICT (application_id) DO UPDATE SET photo = excluded.photo`, id, sealed)
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %s: %w", s.f.name, op, storage.ErrNotFound)
	}
	return nil
}

// GetApplicationPhoto returns the sealed face image kept for application
// id; ErrNotFound if none is.
func (s *Store) GetApplicationPhoto(ctx context.Context, id string) ([]byte, error) {
	var photo []byte
	if err := s.queryRow(ctx, `SELECT photo FROM application_photos WHERE application_id = $1`, id).Scan(&photo); err != nil {
		return nil, s.fail("get application photo", err)
	}
	return photo, nil
}

// TakeApplicationPhoto deletes the face image kept for application id and
// returns it, in one statement; ErrNotFound if none is kept.
func (s *Store) TakeApplicationPhoto(ctx context.Context, id string) ([]byte, error) {
	var photo []byte
	if err := s.queryRow(ctx, `DELETE FROM application_photos WHERE application_id = $1 RETURNING photo`, id).Scan(&photo); err != nil {
		return nil, s.fail("take application photo", err)
	}
	return photo, nil
}
