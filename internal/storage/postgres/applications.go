package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/netid-project/netid/internal/storage"
)

const applicationColumns = `id, state, document_type, token_hash, guardian_id, person_index, identity,
	face_challenge, face_score, phone_index, phone, password_hash, device_nonce, credential_id,
	created_at, updated_at, expires_at, kind, person_id`

func applicationArgs(a storage.Application) []any {
	return []any{a.ID, string(a.State), a.DocumentType, bytesArg(a.TokenHash), a.GuardianID, a.PersonIndex,
		bytesArg(a.Identity), bytesArg(a.FaceChallenge), a.FaceScore, a.PhoneIndex, bytesArg(a.Phone),
		a.PasswordHash, bytesArg(a.DeviceNonce), a.CredentialID,
		timeArg(a.CreatedAt), timeArg(a.UpdatedAt), timeArg(a.ExpiresAt), string(a.Kind), a.PersonID}
}

func scanApplication(row scanner) (storage.Application, error) {
	var a storage.Application
	var state, kind string
	var created, updated, expires pgtype.Timestamptz
	err := row.Scan(&a.ID, &state, &a.DocumentType, &a.TokenHash, &a.GuardianID, &a.PersonIndex,
		&a.Identity, &a.FaceChallenge, &a.FaceScore, &a.PhoneIndex, &a.Phone, &a.PasswordHash,
		&a.DeviceNonce, &a.CredentialID, &created, &updated, &expires, &kind, &a.PersonID)
	if err != nil {
		return storage.Application{}, err
	}
	a.State, a.Kind = storage.ApplicationState(state), storage.ApplicationKind(kind)
	a.TokenHash, a.Identity, a.FaceChallenge = bytesVal(a.TokenHash), bytesVal(a.Identity), bytesVal(a.FaceChallenge)
	a.Phone, a.DeviceNonce = bytesVal(a.Phone), bytesVal(a.DeviceNonce)
	a.CreatedAt, a.UpdatedAt, a.ExpiresAt = timeVal(created), timeVal(updated), timeVal(expires)
	return a, nil
}

// normApplication is a as it reads back from storage.
func normApplication(a storage.Application) storage.Application {
	a.TokenHash, a.Identity, a.FaceChallenge = bytesVal(a.TokenHash), bytesVal(a.Identity), bytesVal(a.FaceChallenge)
	a.Phone, a.DeviceNonce = bytesVal(a.Phone), bytesVal(a.DeviceNonce)
	a.CreatedAt, a.UpdatedAt, a.ExpiresAt = normTime(a.CreatedAt), normTime(a.UpdatedAt), normTime(a.ExpiresAt)
	return a
}

// CreateApplication stores a new application; ErrAlreadyExists if the ID is taken.
func (s *Storage) CreateApplication(ctx context.Context, a storage.Application) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO applications (`+applicationColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)`, applicationArgs(a)...)
	if err != nil {
		return translate("create application", err)
	}
	return nil
}

// GetApplication returns the application id; ErrNotFound if there is none.
func (s *Storage) GetApplication(ctx context.Context, id string) (storage.Application, error) {
	a, err := scanApplication(s.pool.QueryRow(ctx,
		`SELECT `+applicationColumns+` FROM applications WHERE id = $1`, id))
	if err != nil {
		return storage.Application{}, translate("get application", err)
	}
	return a, nil
}

// UpdateApplication replaces the application id with fn's result, in a
// transaction holding the row lock (SELECT … FOR UPDATE). The ID cannot be
// changed.
func (s *Storage) UpdateApplication(ctx context.Context, id string, fn func(storage.Application) (storage.Application, error)) (storage.Application, error) {
	var out storage.Application
	err := s.inTx(ctx, "update application", func(tx pgx.Tx) error {
		cur, err := scanApplication(tx.QueryRow(ctx,
			`SELECT `+applicationColumns+` FROM applications WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return translate("update application", err)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		next.ID = id
		_, err = tx.Exec(ctx, `UPDATE applications SET
			state = $2, document_type = $3, token_hash = $4, guardian_id = $5, person_index = $6,
			identity = $7, face_challenge = $8, face_score = $9, phone_index = $10, phone = $11,
			password_hash = $12, device_nonce = $13, credential_id = $14,
			created_at = $15, updated_at = $16, expires_at = $17, kind = $18, person_id = $19
			WHERE id = $1`, applicationArgs(next)...)
		if err != nil {
			return translate("update application", err)
		}
		out = normApplication(next)
		return nil
	})
	return out, err
}

// ListGuardianApplications returns the applications of guardianID in state,
// oldest first.
func (s *Storage) ListGuardianApplications(ctx context.Context, guardianID string, state storage.ApplicationState) ([]storage.Application, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+applicationColumns+` FROM applications
		WHERE guardian_id = $1 AND state = $2 ORDER BY created_at ASC NULLS FIRST, id ASC`,
		guardianID, string(state))
	if err != nil {
		return nil, translate("list guardian applications", err)
	}
	defer rows.Close()
	var out []storage.Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, translate("list guardian applications", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("list guardian applications", err)
	}
	return out, nil
}

// DeleteExpired removes codes, counters and nonces that expired before now,
// applications that expired before now and were not issued (and clears
// the personal data of those that were), and sessions
// and grants that expired before now - storage.SessionRetention. Zero expiry
// times (NULL) never expire.
func (s *Storage) DeleteExpired(ctx context.Context, now time.Time) error {
	t, kept := timeArg(now), timeArg(now.Add(-storage.SessionRetention))
	return s.inTx(ctx, "delete expired", func(tx pgx.Tx) error {
		for _, q := range []struct {
			what, sql string
			cut       any
		}{
			{"codes", `DELETE FROM codes WHERE expires_at < $1`, t},
			{"counters", `DELETE FROM counters WHERE expires_at < $1`, t},
			{"nonces", `DELETE FROM nonces WHERE expires_at < $1`, t},
			// The literal matches the partial index applications_expires_at.
			{"applications", `DELETE FROM applications WHERE expires_at < $1 AND state <> 'issued'`, t},
			{"issued applications' personal data", `UPDATE applications SET identity = NULL, phone = NULL, password_hash = '', face_challenge = NULL
				WHERE expires_at < $1 AND state = 'issued' AND (identity IS NOT NULL OR phone IS NOT NULL OR password_hash <> '')`, t},
			{"sessions", `DELETE FROM sessions WHERE expires_at < $1`, kept},
			{"grants", `DELETE FROM grants WHERE expires_at < $1`, kept},
		} {
			if _, err := tx.Exec(ctx, q.sql, q.cut); err != nil {
				return fmt.Errorf("postgres: delete expired %s: %w", q.what, err)
			}
		}
		return nil
	})
}
