package sqlstore

import (
	"context"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// DeleteExpired removes codes, counters and nonces that expired before now,
// applications that expired before now and were not issued (and clears
// the personal data of those that were; the photos of both go), and
// sessions and grants that expired before now - storage.SessionRetention,
// in one transaction. Zero expiry times (NULL) never expire.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) error {
	kept := now.Add(-storage.SessionRetention)
	return s.inTx(ctx, "delete expired", func(tx *Store) error {
		for _, q := range []struct {
			what, sql string
			cut       time.Time
		}{
			{"codes", `DELETE FROM codes WHERE expires_at < $1`, now},
			{"counters", `DELETE FROM counters WHERE expires_at < $1`, now},
			{"nonces", `DELETE FROM nonces WHERE expires_at < $1`, now},
			// The photos first: of the applications deleted next, and of
			// issued ones (issuance deletes them; none should be left).
			{"applications' photos", `DELETE FROM application_photos WHERE application_id IN
				(SELECT id FROM applications WHERE expires_at < $1)`, now},
			// The literal matches PostgreSQL's partial index
			// applications_expires_at.
			{"applications", `DELETE FROM applications WHERE expires_at < $1 AND state <> 'issued'`, now},
			{"issued applications' personal data", `UPDATE applications
				SET identity = NULL, phone = NULL, password_hash = '', face_challenge = NULL
				WHERE expires_at < $1 AND state = 'issued'
				AND (identity IS NOT NULL OR phone IS NOT NULL OR password_hash <> '')`, now},
			{"sessions", `DELETE FROM sessions WHERE expires_at < $1`, kept},
			{"grants", `DELETE FROM grants WHERE expires_at < $1`, kept},
			{"eID full-data requests", `DELETE FROM eid_full_requests WHERE expires_at < $1`, kept},
		} {
			if _, err := tx.exec(ctx, q.sql, q.cut); err != nil {
				return tx.fail("delete expired "+q.what, err)
			}
		}
		return nil
	})
}
