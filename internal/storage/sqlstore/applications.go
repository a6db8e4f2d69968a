package sqlstore

import (
	"context"

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
