package sqlstore

import (
	"context"
	"sort"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// ---- Applications of relying parties ----

var rpApplications = newTable("rp_applications", "relying party application",
	`id, state, token_hash, client_id, name, category, legal_basis, domains, redirect_uris, claims,
	alt_url, alt_text, challenge, proved, reason, credentials_at, decided_at, created_at, updated_at`,
	func(a *storage.RPApplication) []any {
		return []any{&a.ID, (*string)(&a.State), &a.TokenHash, &a.ClientID, &a.Name, &a.Category, &a.LegalBasis,
			&a.Domains, &a.RedirectURIs, &a.Claims, &a.AltURL, &a.AltText, &a.Challenge, &a.Proved, &a.Reason,
			&a.CredentialsAt, &a.DecidedAt, &a.CreatedAt, &a.UpdatedAt}
	})

// CreateRPApplication stores a new application; ErrAlreadyExists if the ID
// is taken.
func (s *Store) CreateRPApplication(ctx context.Context, a storage.RPApplication) error {
	return create(ctx, s, rpApplications, a)
}

// GetRPApplication returns the application id; ErrNotFound if there is none.
func (s *Store) GetRPApplication(ctx context.Context, id string) (storage.RPApplication, error) {
	return get(ctx, s, rpApplications, "get relying party application", rpApplications.byKey, id)
}

// ListRPApplications returns the applications in state (all for ""),
// oldest first.
func (s *Store) ListRPApplications(ctx context.Context, state storage.RPApplicationState) ([]storage.RPApplication, error) {
	const op = "list relying party applications"
	if state == "" {
		return list(ctx, s, rpApplications, op, rpApplications.selectAll+` ORDER BY created_at ASC NULLS FIRST, id ASC`)
	}
	return list(ctx, s, rpApplications, op, rpApplications.selectAll+`
		WHERE state = $1 ORDER BY created_at ASC NULLS FIRST, id ASC`, string(state))
}

// UpdateRPApplication replaces the application id with fn's result, in a
// transaction holding its row.
func (s *Store) UpdateRPApplication(ctx context.Context, id string, fn func(storage.RPApplication) (storage.RPApplication, error)) (storage.RPApplication, error) {
	return update(ctx, s, rpApplications, id, fn)
}

// CountRPRecords counts rpID's records in [from, to) by day in zone, level
// and outcome. The rows are read one by one and counted here, so that both
// flavors cut days the same way, in the zone asked.
func (s *Store) CountRPRecords(ctx context.Context, rpID string, from, to time.Time, zone *time.Location) ([]storage.RecordCount, error) {
	const op = "count relying party records"
	if zone == nil {
		zone = time.UTC
	}
	rows, err := s.query(ctx, `SELECT time, level, outcome FROM records
		WHERE rp_id = $1 AND time >= $2 AND time < $3`, rpID, from, to)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	type key struct{ day, level, outcome string }
	counts := map[key]int64{}
	for rows.Next() {
		var (
			t              time.Time
			level, outcome string
		)
		if err := rows.Scan(&t, &level, &outcome); err != nil {
			return nil, s.fail(op, err)
		}
		counts[key{t.In(zone).Format(time.DateOnly), level, outcome}]++
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	if len(counts) == 0 {
		return nil, nil
	}
	out := make([]storage.RecordCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, storage.RecordCount{Day: k.day, Level: k.level, Outcome: k.outcome, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		if a.Level != b.Level {
			return a.Level < b.Level
		}
		return a.Outcome < b.Outcome
	})
	return out, nil
}
