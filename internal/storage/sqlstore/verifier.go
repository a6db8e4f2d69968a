package sqlstore

import (
	"context"

	"github.com/netid-project/netid/internal/storage"
)

var verifierDevices = newTable("verifier_devices", "verifier device",
	`id, rp_id, name, state, code_hash, code_expires_at, public_key, created_at, enrolled_at, revoked_at, revoked_by, reason`,
	func(d *storage.VerifierDevice) []any {
		return []any{&d.ID, &d.RPID, &d.Name, &d.State, &d.CodeHash, &d.CodeExpiresAt, &d.PublicKey,
			&d.CreatedAt, &d.EnrolledAt, &d.RevokedAt, &d.RevokedBy, &d.Reason}
	})

var eidFullRequests = newTable("eid_full_requests", "eID full-data request",
	`id, person_id, credential_id, rp_id, device_id, state, created_at, expires_at, answered_at, delivered_at`,
	func(r *storage.EIDFullRequest) []any {
		return []any{&r.ID, &r.PersonID, &r.CredentialID, &r.RPID, &r.DeviceID, &r.State,
			&r.CreatedAt, &r.ExpiresAt, &r.AnsweredAt, &r.DeliveredAt}
	})

// CreateVerifierDevice stores d; ErrAlreadyExists if its ID or code hash
// is taken.
func (s *Store) CreateVerifierDevice(ctx context.Context, d storage.VerifierDevice) error {
	return create(ctx, s, verifierDevices, d)
}

// GetVerifierDevice returns the device id.
func (s *Store) GetVerifierDevice(ctx context.Context, id string) (storage.VerifierDevice, error) {
	return get(ctx, s, verifierDevices, "get verifier device", verifierDevices.byKey, id)
}

// GetVerifierDeviceByCode returns the device whose CodeHash is codeHash;
// ErrNotFound if there is none (always for an empty one, stored as NULL).
func (s *Store) GetVerifierDeviceByCode(ctx context.Context, codeHash []byte) (storage.VerifierDevice, error) {
	if len(codeHash) == 0 {
		return storage.VerifierDevice{}, storage.ErrNotFound
	}
	return get(ctx, s, verifierDevices, "get verifier device by code", verifierDevices.selectAll+` WHERE code_hash = $1`, codeHash)
}

// UpdateVerifierDevice replaces the device id with fn's result, in a
// transaction holding the row.
func (s *Store) UpdateVerifierDevice(ctx context.Context, id string, fn func(storage.VerifierDevice) (storage.VerifierDevice, error)) (storage.VerifierDevice, error) {
	return update(ctx, s, verifierDevices, id, fn)
}

// ListVerifierDevices returns the devices of rpID (all for ""), oldest
// first.
func (s *Store) ListVerifierDevices(ctx context.Context, rpID string) ([]storage.VerifierDevice, error) {
	if rpID == "" {
		return list(ctx, s, verifierDevices, "list verifier devices", verifierDevices.selectAll+`
			ORDER BY created_at ASC NULLS FIRST, id ASC`)
	}
	return list(ctx, s, verifierDevices, "list verifier devices", verifierDevices.selectAll+`
		WHERE rp_id = $1 ORDER BY created_at ASC NULLS FIRST, id ASC`, rpID)
}

// CreateEIDFullRequest stores r; ErrAlreadyExists if its ID is taken.
func (s *Store) CreateEIDFullRequest(ctx context.Context, r storage.EIDFullRequest) error {
	return create(ctx, s, eidFullRequests, r)
}

// GetEIDFullRequest returns the request id.
func (s *Store) GetEIDFullRequest(ctx context.Context, id string) (storage.EIDFullRequest, error) {
	return get(ctx, s, eidFullRequests, "get eID full-data request", eidFullRequests.byKey, id)
}

// UpdateEIDFullRequest replaces the request id with fn's result, in a
// transaction holding the row.
func (s *Store) UpdateEIDFullRequest(ctx context.Context, id string, fn func(storage.EIDFullRequest) (storage.EIDFullRequest, error)) (storage.EIDFullRequest, error) {
	return update(ctx, s, eidFullRequests, id, fn)
}

// ListEIDFullRequests returns personID's requests in state, oldest first.
func (s *Store) ListEIDFullRequests(ctx context.Context, personID string, state storage.EIDFullState) ([]storage.EIDFullRequest, error) {
	return list(ctx, s, eidFullRequests, "list eID full-data requests", eidFullRequests.selectAll+`
		WHERE person_id = $1 AND state = $2 ORDER BY created_at ASC NULLS FIRST, id ASC`, personID, string(state))
}
