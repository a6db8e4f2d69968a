package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

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

// maxSlotsPerStatement bounds the rows of one ReserveStatusSlots
// statement (6 parameters each, far below either database's limit).
const maxSlotsPerStatement = 100

// ReserveStatusSlots takes the slots' indices with one multi-row insert
// per maxSlotsPerStatement slots, leaving taken indices alone, and reads
// back from RETURNING which rows it inserted.
func (s *Store) ReserveStatusSlots(ctx context.Context, slots []storage.StatusSlot) ([]bool, error) {
	const op = "reserve status slots"
	reserved := make([]bool, len(slots))
	for start := 0; start < len(slots); start += maxSlotsPerStatement {
		chunk := slots[start:min(start+maxSlotsPerStatement, len(slots))]
		taken, err := s.reserveSlots(ctx, chunk)
		if err != nil {
			return nil, s.fail(op, err)
		}
		copy(reserved[start:], taken)
	}
	return reserved, nil
}

// reserveSlots runs one insert of slots and returns which rows it took.
// The rows go in ascending order of list and index, so that two racing
// inserts on PostgreSQL, each waiting for the other's uncommitted rows,
// wait in the same order rather than deadlock; among slots of the same
// index the earlier in slots goes first.
func (s *Store) reserveSlots(ctx context.Context, slots []storage.StatusSlot) ([]bool, error) {
	order := make([]int, len(slots))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(len(slots[a].List), len(slots[b].List)); c != 0 {
			return c
		}
		if c := strings.Compare(slots[a].List, slots[b].List); c != 0 {
			return c
		}
		return cmp.Compare(slots[a].Index, slots[b].Index)
	})
	var q strings.Builder
	q.WriteString(statusSlots.insertHead)
	args := make([]any, 0, len(slots)*statusSlots.columns)
	for k, i := range order {
		if k > 0 {
			q.WriteString(", ")
		}
		q.WriteString(statusSlots.valuesRow(len(args)))
		args = append(args, statusSlots.args(slots[i])...)
	}
	q.WriteString(` ON CONFLICT (status_list, status_index) DO NOTHING
		RETURNING status_list, status_index, credential_id, member`)
	rows, err := s.query(ctx, q.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		list  string
		index int64
	}
	type holder struct {
		credentialID string
		member       int
	}
	got := make(map[key]holder, len(slots))
	for rows.Next() {
		var k key
		var h holder
		if err := rows.Scan(&k.list, &k.index, &h.credentialID, &h.member); err != nil {
			return nil, err
		}
		got[k] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	taken := make([]bool, len(slots))
	for _, i := range order {
		sl := slots[i]
		k := key{sl.List, sl.Index}
		if h, ok := got[k]; ok && h == (holder{sl.CredentialID, sl.Member}) {
			taken[i] = true
			delete(got, k) // a second slot of the same index was not inserted
		}
	}
	return taken, nil
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

// lastStatusList finds the highest-numbered status list without reading
// the slots: lists are decimal numbers stored as text, so no index orders
// them by number, and sorting the slots by number read every slot of
// every list (at national scale billions of rows, at each process's first
// issuance). Instead the recursive part steps from one list to the next
// through the primary key (status_list, status_index), one index lookup
// per list, and only the lists are sorted by number.
const lastStatusList = `SELECT l FROM (
	WITH RECURSIVE lists(l) AS (
		SELECT min(status_list) FROM status_slots
		UNION ALL
		SELECT (SELECT min(status_list) FROM status_slots WHERE status_list > lists.l)
		FROM lists WHERE lists.l IS NOT NULL
	)
	SELECT l FROM lists
) AS found WHERE l IS NOT NULL ORDER BY length(l) DESC, l DESC LIMIT 1`

// LastStatusList returns the highest-numbered list holding a slot, "" if
// there is none.
func (s *Store) LastStatusList(ctx context.Context) (string, error) {
	rows, err := s.query(ctx, lastStatusList)
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
