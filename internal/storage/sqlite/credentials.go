package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// reasonSuperseded is the StatusReason IssueCredential gives the credentials
// it revokes (see storage.Storage).
const reasonSuperseded = "superseded"

const credentialColumns = `id, person_id, status, status_reason, status_list, status_index,
	device_key, device_key_id, signing_key_id, issued_at, expires_at, updated_at, status_by`

func credentialArgs(c storage.Credential) []any {
	return []any{c.ID, c.PersonID, string(c.Status), c.StatusReason, c.StatusList, c.StatusIndex,
		bytesArg(c.DeviceKey), c.DeviceKeyID, c.SigningKeyID,
		timeArg(c.IssuedAt), timeArg(c.ExpiresAt), timeArg(c.UpdatedAt), c.StatusBy}
}

func scanCredential(row scanner) (storage.Credential, error) {
	var c storage.Credential
	var status string
	var issued, expires, updated sql.NullInt64
	err := row.Scan(&c.ID, &c.PersonID, &status, &c.StatusReason, &c.StatusList, &c.StatusIndex,
		&c.DeviceKey, &c.DeviceKeyID, &c.SigningKeyID, &issued, &expires, &updated, &c.StatusBy)
	if err != nil {
		return storage.Credential{}, err
	}
	c.Status = storage.CredentialStatus(status)
	c.DeviceKey = bytesVal(c.DeviceKey)
	c.IssuedAt, c.ExpiresAt, c.UpdatedAt = timeVal(issued), timeVal(expires), timeVal(updated)
	return c, nil
}

// normCredential is c as it reads back from storage.
func normCredential(c storage.Credential) storage.Credential {
	c.DeviceKey = bytesVal(c.DeviceKey)
	c.IssuedAt, c.ExpiresAt, c.UpdatedAt = normTime(c.IssuedAt), normTime(c.ExpiresAt), normTime(c.UpdatedAt)
	return c
}

// IssueCredential stores c and, in the same transaction, revokes every other
// active or suspended credential of c.PersonID. The transaction holds the
// write lock from its start, so concurrent issues for one person serialise
// and leave exactly one usable credential.
func (s *Storage) IssueCredential(ctx context.Context, c storage.Credential) error {
	return s.inTx(ctx, "issue credential", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO credentials (`+credentialColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			credentialArgs(c)...); err != nil {
			return translate("issue credential", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE credentials
			SET status = ?, status_reason = ?, updated_at = ?, status_by = 'platform'
			WHERE person_id = ? AND id <> ? AND status IN (?, ?)`,
			string(storage.CredentialRevoked), reasonSuperseded, timeArg(c.IssuedAt),
			c.PersonID, c.ID, string(storage.CredentialActive), string(storage.CredentialSuspended)); err != nil {
			return translate("issue credential: revoke previous", err)
		}
		return nil
	})
}

// GetCredential returns the credential id; ErrNotFound if there is none.
func (s *Storage) GetCredential(ctx context.Context, id string) (storage.Credential, error) {
	c, err := scanCredential(s.db.QueryRowContext(ctx,
		`SELECT `+credentialColumns+` FROM credentials WHERE id = ?`, id))
	if err != nil {
		return storage.Credential{}, translate("get credential", err)
	}
	return c, nil
}

// ListCredentials returns every credential of personID, oldest first.
func (s *Storage) ListCredentials(ctx context.Context, personID string) ([]storage.Credential, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+credentialColumns+` FROM credentials
		WHERE person_id = ? ORDER BY issued_at ASC NULLS FIRST, id ASC`, personID)
	if err != nil {
		return nil, translate("list credentials", err)
	}
	defer rows.Close()
	var out []storage.Credential
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, translate("list credentials", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("list credentials", err)
	}
	return out, nil
}

// UpdateCredential replaces the credential id with fn's result, in a
// transaction holding the write lock. The ID cannot be changed.
func (s *Storage) UpdateCredential(ctx context.Context, id string, fn func(storage.Credential) (storage.Credential, error)) (storage.Credential, error) {
	var out storage.Credential
	err := s.inTx(ctx, "update credential", func(tx *sql.Tx) error {
		cur, err := scanCredential(tx.QueryRowContext(ctx,
			`SELECT `+credentialColumns+` FROM credentials WHERE id = ?`, id))
		if err != nil {
			return translate("update credential", err)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		next.ID = id
		_, err = tx.ExecContext(ctx, `UPDATE credentials SET
			person_id = ?2, status = ?3, status_reason = ?4, status_list = ?5, status_index = ?6,
			device_key = ?7, device_key_id = ?8, signing_key_id = ?9,
			issued_at = ?10, expires_at = ?11, updated_at = ?12, status_by = ?13
			WHERE id = ?1`, credentialArgs(next)...)
		if err != nil {
			return translate("update credential", err)
		}
		out = normCredential(next)
		return nil
	})
	return out, err
}

// ListStatuses returns index and status of every credential in list, ordered
// by index.
func (s *Storage) ListStatuses(ctx context.Context, list string) ([]storage.StatusEntry, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT status_index, status FROM credentials WHERE status_list = ? ORDER BY status_index`, list)
	if err != nil {
		return nil, translate("list statuses", err)
	}
	defer rows.Close()
	var out []storage.StatusEntry
	for rows.Next() {
		var e storage.StatusEntry
		var status string
		if err := rows.Scan(&e.Index, &status); err != nil {
			return nil, translate("list statuses", err)
		}
		e.Status = storage.CredentialStatus(status)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("list statuses", err)
	}
	return out, nil
}

// LatestExpiry returns the latest ExpiresAt of the credentials signed with
// kid, or the zero time if there are none.
func (s *Storage) LatestExpiry(ctx context.Context, kid string) (time.Time, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx,
		`SELECT max(expires_at) FROM credentials WHERE signing_key_id = ?`, kid).Scan(&v); err != nil {
		return time.Time{}, translate("latest expiry", err)
	}
	return timeVal(v), nil
}
