package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// reasonSuperseded is the StatusReason IssueCredential gives the credentials
// it revokes (see storage.Storage).
const reasonSuperseded = "superseded"

var credentials = newTable("credentials", "credential",
	`id, person_id, status, status_reason, status_list, status_index,
	device_key, device_key_id, signing_key_id, issued_at, expires_at, updated_at, status_by`,
	func(c *storage.Credential) []any {
		return []any{&c.ID, &c.PersonID, &c.Status, &c.StatusReason, &c.StatusList, &c.StatusIndex,
			&c.DeviceKey, &c.DeviceKeyID, &c.SigningKeyID, &c.IssuedAt, &c.ExpiresAt, &c.UpdatedAt, &c.StatusBy}
	})

// IssueCredential stores c and, in the same transaction, revokes every other
// active or suspended credential of c.PersonID. Two issues for one person
// serialise (on SQLite's write lock, on PostgreSQL's issue lock: a row lock
// cannot see another transaction's uncommitted insert) and leave exactly
// one usable credential.
func (s *Store) IssueCredential(ctx context.Context, c storage.Credential) error {
	const op = "issue credential"
	return s.inTx(ctx, op, func(tx *Store) error {
		if tx.f.issueLock != "" {
			if _, err := tx.exec(ctx, tx.f.issueLock, c.PersonID); err != nil {
				return tx.fail(op+": lock", err)
			}
		}
		if _, err := tx.exec(ctx, credentials.insert, credentials.args(c)...); err != nil {
			return tx.fail(op, err)
		}
		// The credential's own slot: reserved by the caller (one read
		// finds it), or reserved now.
		var holder string
		var member int
		err := tx.queryRow(ctx, `SELECT credential_id, member FROM status_slots WHERE status_list = $1 AND status_index = $2`,
			c.StatusList, c.StatusIndex).Scan(&holder, &member)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			n, err := tx.exec(ctx, reserveSlot, statusSlots.args(storage.StatusSlot{
				List: c.StatusList, Index: c.StatusIndex, CredentialID: c.ID, DeviceKeyID: c.DeviceKeyID, CreatedAt: c.IssuedAt,
			})...)
			if err != nil {
				return tx.fail(op+": status slot", err)
			}
			if n == 0 { // taken meanwhile by another transaction
				holder = ""
			} else {
				holder, member = c.ID, 0
			}
		case err != nil:
			return tx.fail(op+": status slot", err)
		}
		if holder != c.ID || member != 0 {
			return tx.fail(op, fmt.Errorf("status index %d of list %s: %w", c.StatusIndex, c.StatusList, storage.ErrAlreadyExists))
		}
		if _, err := tx.exec(ctx, `UPDATE credentials
			SET status = $1, status_reason = $2, updated_at = $3, status_by = $4
			WHERE person_id = $5 AND id <> $6 AND status IN ($7, $8)`,
			string(storage.CredentialRevoked), reasonSuperseded, c.IssuedAt, storage.StatusByPlatform,
			c.PersonID, c.ID, string(storage.CredentialActive), string(storage.CredentialSuspended)); err != nil {
			return tx.fail(op+": revoke previous", err)
		}
		return nil
	})
}

// GetCredential returns the credential id; ErrNotFound if there is none.
func (s *Store) GetCredential(ctx context.Context, id string) (storage.Credential, error) {
	return get(ctx, s, credentials, "get credential", credentials.byKey, id)
}

// credentialHolder is GetCredentialHolder's query: a credential and its
// person in one read, the person without the photo; holderFields drops
// the photo's field from the person's.
var credentialHolder, holderFields = func() (string, func([]any) []any) {
	list, keep := persons.without("p", "photo")
	return "SELECT " + credentials.qualified("c") + ", " + list +
		" FROM credentials c JOIN persons p ON p.id = c.person_id WHERE c.id = $1", keep
}()

// GetCredentialHolder returns the credential id and its person in one
// statement (a join on the person's key); ErrNotFound if the credential is
// missing. A credential whose person is missing (which the join alone
// cannot tell from a missing credential: a second read tells) is an error
// of its own, not ErrNotFound.
func (s *Store) GetCredentialHolder(ctx context.Context, id string) (storage.Credential, storage.Person, error) {
	const op = "get credential holder"
	var c storage.Credential
	var p storage.Person
	dst := append(credentials.fields(&c), holderFields(persons.fields(&p))...)
	err := s.queryRow(ctx, credentialHolder, id).Scan(dst...)
	if err == nil {
		return c, p, nil
	}
	if err = s.fail(op, err); !errors.Is(err, storage.ErrNotFound) {
		return storage.Credential{}, storage.Person{}, err
	}
	switch _, cerr := s.GetCredential(ctx, id); {
	case cerr == nil:
		return storage.Credential{}, storage.Person{}, fmt.Errorf("%s: %s: the credential's person is missing", s.f.name, op)
	case !errors.Is(cerr, storage.ErrNotFound):
		return storage.Credential{}, storage.Person{}, cerr
	}
	return storage.Credential{}, storage.Person{}, err
}

// ListCredentials returns every credential of personID, oldest first.
func (s *Store) ListCredentials(ctx context.Context, personID string) ([]storage.Credential, error) {
	return list(ctx, s, credentials, "list credentials", credentials.selectAll+`
		WHERE person_id = $1 ORDER BY issued_at ASC NULLS FIRST, id ASC`, personID)
}

// UpdateCredential replaces the credential id with fn's result, in a
// transaction holding the row. The ID cannot be changed.
func (s *Store) UpdateCredential(ctx context.Context, id string, fn func(storage.Credential) (storage.Credential, error)) (storage.Credential, error) {
	return update(ctx, s, credentials, id, fn)
}

var statusEntries = newTable("credentials", "status entry", `status_index, status`,
	func(e *storage.StatusEntry) []any { return []any{&e.Index, &e.Status} })

// ListStatuses returns index and status of every credential in statusList,
// and of every batch member's slot in it (the status of its credential),
// ordered by index.
func (s *Store) ListStatuses(ctx context.Context, statusList string) ([]storage.StatusEntry, error) {
	return list(ctx, s, statusEntries, "list statuses", `
		SELECT status_index, status FROM credentials WHERE status_list = $1
		UNION ALL
		SELECT m.status_index, c.status FROM status_slots m JOIN credentials c ON c.id = m.credential_id
		WHERE m.status_list = $1 AND m.member > 0
		ORDER BY 1`, statusList)
}

// LatestExpiry returns the latest ExpiresAt of the credentials signed with
// kid, or the zero time if there are none.
func (s *Store) LatestExpiry(ctx context.Context, kid string) (time.Time, error) {
	var t time.Time
	if err := s.queryRow(ctx, `SELECT max(expires_at) FROM credentials WHERE signing_key_id = $1`, kid).Scan(&t); err != nil {
		return time.Time{}, s.fail("latest expiry", err)
	}
	return t, nil
}
