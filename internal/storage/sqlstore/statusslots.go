package sqlstore

import (
	"context"
	"fmt"

	"github.com/netid-project/netid/internal/storage"
)

var statusSlots = newTable("status_slots", "status slot",
	`status_list, status_index, credential_id, member, device_key_id, created_at`,
	func(s *storage.StatusSlot) []any {
		return []any{&s.List, &s.Index, &s.CredentialID, &s.Member, &s.DeviceKeyID, &s.CreatedAt}
	})

// reserveSlot is the insert of a status slot that leaves a taken index
// alone: a conflict is not an error, so it does not spoil the transaction
// (and on PostgreSQL waits for the transaction that took the index, then
// sees its outcome).
var reserveSlot = statusSlots.insert + ` ON CONFLICT (status_list, status_index) DO NOTHING`

// ReserveStatusSlot takes slot.Index of slot.List for slot.CredentialID;
// ErrAlreadyExists if it is taken (the transaction, if any, goes on).
func (s *Store) ReserveStatusSlot(ctx context.Context, slot storage.StatusSlot) error {
	const op = "reserve status slot"
	n, err := s.exec(ctx, reserveSlot, statusSlots.args(slot)...)
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %s: %w", s.f.name, op, storage.ErrAlreadyExists)
	}
	return nil
}

// StatusListIndices returns every taken index of list, ascending.
func (s *Store) StatusListIndices(ctx context.Context, list string) ([]int64, error) {
	const op = "status list indices"
	rows, err := s.query(ctx, `SELECT status_index FROM status_slots WHERE status_list = $1 ORDER BY status_index`, list)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// LastStatusList returns the highest-numbered list holding a slot, "" if
// there is none.
func (s *Store) LastStatusList(ctx context.Context) (string, error) {
	rows, err := s.query(ctx, `SELECT status_list FROM status_slots
		ORDER BY length(status_list) DESC, status_list DESC LIMIT 1`)
	if err != nil {
		return "", s.fail("last status list", err)
	}
	defer rows.Close()
	var list string
	if rows.Next() {
		if err := rows.Scan(&list); err != nil {
			return "", s.fail("last status list", err)
		}
	}
	if err := rows.Err(); err != nil {
		return "", s.fail("last status list", err)
	}
	return list, nil
}

// ListStatusSlots returns the slots of credentialID, ordered by Member.
func (s *Store) ListStatusSlots(ctx context.Context, credentialID string) ([]storage.StatusSlot, error) {
	return list(ctx, s, statusSlots, "list status slots", statusSlots.selectAll+`
		WHERE credential_id = $1 ORDER BY member, status_list, status_index`, credentialID)
}
