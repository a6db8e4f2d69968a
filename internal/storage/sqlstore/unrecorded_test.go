package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// TestUnrecordedSessionsByRelyingPartyAndTime: the check for ended
// sessions without their record finds each session's record among its
// relying party's records of the minutes after it ended, through
// records_rp_time, one lookup per session, and never reads the log from
// end to end (the log keeps no index on record IDs). SQLite's plan
// searches records with that index and never scans it. On PostgreSQL,
// with a log of 100,000 records and 3,000 sessions, analyzed, across the
// end of a month (two partitions hold records), the executed plan reads
// records only through the (rp_id, time) index, a few rows per session:
// a bitmap scan of each session's whole window read 628,047 rows here,
// and a hash anti join all 103,909.
func TestUnrecordedSessionsByRelyingPartyAndTime(t *testing.T) {
	// perRP other records per relying party; sessions ended sessions, all
	// but the last three recorded; on PostgreSQL bulk more sessions, all
	// recorded.
	const perRP, sessions, bulk = 300, 12, 3000
	rps := []string{"rp-a", "rp-b", "rp-c"}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := b.openTest(t)
			ctx := t.Context()
			// Noon on the last day of a month: the bulk records of the
			// PostgreSQL case run into the next month's partition.
			base := time.Date(2026, time.June, 30, 12, 0, 0, 0, time.UTC)
			if b.f.monthlyRecords {
				if err := s.MaintainPartitions(ctx, base); err != nil {
					t.Fatal(err)
				}
			}
			appendRecord := func(id, rp string, at time.Time) {
				t.Helper()
				r := storage.Record{ID: id, Time: at, PersonID: "p1", RPID: rp, RPName: rp, Channel: "web", Level: "1", Outcome: "approved"}
				if _, err := s.AppendRecord(ctx, r, nil); err != nil {
					t.Fatal(err)
				}
			}
			// Other records, every ten seconds for each relying party.
			for i := range perRP {
				for _, rp := range rps {
					appendRecord(fmt.Sprintf("other-%s-%d", rp, i), rp, base.Add(time.Duration(i)*10*time.Second))
				}
			}
			// Sessions that ended, each with its record but the last three.
			var missing []string
			for k := range sessions {
				rp := rps[k%len(rps)]
				id := fmt.Sprintf("s%02d", k)
				end := base.Add(time.Duration(k)*7*time.Minute + 3*time.Second)
				v := storage.Session{ID: id, RPID: rp, Channel: "web", Level: "1", Purpose: "p", State: storage.SessionApproved,
					CreatedAt: end.Add(-time.Minute), UpdatedAt: end, ExpiresAt: end.Add(5 * time.Minute)}
				if err := s.CreateSession(ctx, v); err != nil {
					t.Fatal(err)
				}
				if k < sessions-3 {
					appendRecord(id, rp, end.Add(2*time.Millisecond))
				} else {
					missing = append(missing, id)
				}
			}
			if b.f == postgresFlavor {
				// A log much larger than the sessions checked, and many
				// sessions, analyzed, so that the planner weighs a lookup
				// per session against hashing the log: 100,000 more records
				// over 28 hours, and 3,000 more sessions with their
				// records, in bulk (the chain does not matter here).
				for _, q := range []string{
					`INSERT INTO records (seq, id, time, person_id, rp_id, rp_name, channel, level, outcome, guardian_id)
					SELECT 1000000 + g, 'bulk-' || g, $1::timestamptz + g * interval '1 second', 'p1',
						(ARRAY['rp-a', 'rp-b', 'rp-c'])[1 + g % 3], 'rp', 'web', '1', 'approved', ''
					FROM generate_series(1, 100000) AS g`,
					`INSERT INTO sessions (id, rp_id, channel, level, purpose, callback_url, nonce, subject, state,
						credential_id, person_id, guardian_id, level_reached, error, created_at, updated_at, expires_at)
					SELECT 'bulk-s-' || g, (ARRAY['rp-a', 'rp-b', 'rp-c'])[1 + g % 3], 'web', '1', 'p', '', '', '', 'approved',
						'', '', '', '', '', $1::timestamptz + g * interval '30 seconds', $1::timestamptz + g * interval '30 seconds',
						$1::timestamptz + g * interval '30 seconds' + interval '5 minutes'
					FROM generate_series(1, ` + fmt.Sprint(bulk) + `) AS g`,
					`INSERT INTO records (seq, id, time, person_id, rp_id, rp_name, channel, level, outcome, guardian_id)
					SELECT 2000000 + g, 'bulk-s-' || g, $1::timestamptz + g * interval '30 seconds' + interval '5 milliseconds', 'p1',
						(ARRAY['rp-a', 'rp-b', 'rp-c'])[1 + g % 3], 'rp', 'web', '1', 'approved', ''
					FROM generate_series(1, ` + fmt.Sprint(bulk) + `) AS g`,
				} {
					if _, err := s.db.exec(ctx, q, base); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := s.db.exec(ctx, "ANALYZE records, sessions"); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.ListUnrecordedSessions(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, v := range got {
				ids = append(ids, v.ID)
			}
			if strings.Join(ids, ",") != strings.Join(missing, ",") {
				t.Fatalf("ListUnrecordedSessions = %v, want %v", ids, missing)
			}

			q := unrecordedSessions(b.f)
			switch b.f {
			case sqliteFlavor:
				plan := sqlitePlan(t, s, q, 100)
				uses := false
				for _, d := range plan {
					if strings.HasPrefix(d, "SCAN records") {
						t.Fatalf("the plan scans the records:\n%s", strings.Join(plan, "\n"))
					}
					uses = uses || strings.Contains(d, "records USING INDEX records_rp_time")
				}
				if !uses {
					t.Fatalf("the plan does not search records by records_rp_time:\n%s", strings.Join(plan, "\n"))
				}
			case postgresFlavor:
				var out string
				if err := s.queryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+q, 100).Scan(&out); err != nil {
					t.Fatal(err)
				}
				var plan []struct{ Plan scanNode }
				if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan) != 1 {
					t.Fatalf("EXPLAIN: %v (%s)", err, out)
				}
				// Every row of records read comes through the index on
				// (rp_id, time): a sequential scan is allowed only where it
				// reads nothing (an empty partition, which the planner
				// scans rather than probes). The lookups read a few rows
				// per session, not the log.
				byIndex, read := false, 0.0
				for _, n := range plan[0].Plan.recordScans() {
					switch {
					case strings.HasSuffix(n.Index, "rp_id_time_idx"):
						byIndex = true
						read += (n.Rows + n.Removed) * n.Loops
					case n.Type == "Seq Scan" && n.Rows+n.Removed > 0:
						t.Fatalf("the plan reads %v records of %s sequentially:\n%s", (n.Rows+n.Removed)*n.Loops, n.Relation, out)
					}
				}
				if !byIndex {
					t.Fatalf("the plan does not read records by (rp_id, time):\n%s", out)
				}
				if checked := float64(sessions + bulk); read > 5*checked {
					t.Fatalf("the lookups read %v rows of records for %v sessions:\n%s", read, checked, out)
				}
			}
		})
	}
}

// scanNode is a node of PostgreSQL's EXPLAIN (ANALYZE, FORMAT JSON), with
// how it reads its relation.
type scanNode struct {
	Type     string  `json:"Node Type"`
	Relation string  `json:"Relation Name"`
	Index    string  `json:"Index Name"`
	Rows     float64 `json:"Actual Rows"`
	Loops    float64 `json:"Actual Loops"`
	Removed  float64 `json:"Rows Removed by Filter"`
	Plans    []scanNode
}

// recordScans are the nodes under n that read records, one of its
// partitions, or an index of one.
func (n scanNode) recordScans() []scanNode {
	var out []scanNode
	if n.Relation == "records" || strings.HasPrefix(n.Relation, "records_") || strings.HasPrefix(n.Index, "records_") {
		out = append(out, n)
	}
	for _, c := range n.Plans {
		out = append(out, c.recordScans()...)
	}
	return out
}
