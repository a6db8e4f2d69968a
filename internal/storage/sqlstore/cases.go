package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/netid-project/netid/internal/storage"
)

// ---- Cases (recourse) ----

// cases orders by number, which PostgreSQL's schema declares COLLATE "C":
// bytewise, as Go and SQLite compare.
var cases = newTable("cases", "case",
	`number, person_id, kind, ground, record_seq, rp_id, credential_id, state,
	statement, answer, resolution, action, due_at, created_at, updated_at, answered_at, closed_at`,
	func(c *storage.Case) []any {
		return []any{&c.Number, &c.PersonID, &c.Kind, &c.Ground, &c.RecordSeq, &c.RPID, &c.CredentialID, &c.State,
			&c.Statement, &c.Answer, &c.Resolution, &c.Action, &c.DueAt, &c.CreatedAt, &c.UpdatedAt, &c.AnsweredAt, &c.ClosedAt}
	})

// CreateCase stores a new case; ErrAlreadyExists if its Number is taken.
func (s *Store) CreateCase(ctx context.Context, c storage.Case) error {
	return create(ctx, s, cases, c)
}

// GetCase returns the case numbered number; ErrNotFound if there is none.
func (s *Store) GetCase(ctx context.Context, number string) (storage.Case, error) {
	return get(ctx, s, cases, "get case", cases.byKey, number)
}

// UpdateCase replaces the case number with fn's result, in a transaction
// holding the row. The Number cannot be changed.
func (s *Store) UpdateCase(ctx context.Context, number string, fn func(storage.Case) (storage.Case, error)) (storage.Case, error) {
	return update(ctx, s, cases, number, fn)
}

// ListCases returns up to f.Limit cases matching f, oldest first (by
// created_at, then number).
func (s *Store) ListCases(ctx context.Context, f storage.CaseFilter) ([]storage.Case, error) {
	if f.Limit < 1 {
		return nil, nil
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.PersonID != "" {
		where = append(where, "person_id = "+arg(f.PersonID))
	}
	if len(f.States) > 0 {
		in := make([]string, len(f.States))
		for i, st := range f.States {
			in[i] = arg(string(st))
		}
		where = append(where, "state IN ("+strings.Join(in, ", ")+")")
	}
	if !f.DueBefore.IsZero() {
		where = append(where, "due_at < "+arg(f.DueBefore))
	}
	if f.After != "" {
		p := arg(f.After)
		where = append(where, `EXISTS (SELECT 1 FROM cases a WHERE a.number = `+p+`
			AND (cases.created_at > a.created_at OR (cases.created_at = a.created_at AND cases.number > a.number)))`)
	}
	q := cases.selectAll
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at ASC, number ASC LIMIT " + arg(f.Limit)
	return list(ctx, s, cases, "list cases", q, args...)
}
