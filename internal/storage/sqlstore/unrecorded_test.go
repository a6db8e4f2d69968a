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
// relying party's records of the minute after it ended, through
// records_rp_time, and never reads the log from end to end (the log keeps
// no index on record IDs). SQLite's plan searches records with that index
// and never scans it; PostgreSQL's executed plan reads records only by
// index scans on (rp_id, time).
func TestUnrecordedSessionsByRelyingPartyAndTime(t *testing.T) {
	const perRP = 300
	rps := []string{"rp-a", "rp-b", "rp-c"}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := b.openTest(t)
			ctx := t.Context()
			base := time.Now().UTC().Truncate(time.Hour)
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
			for k := range 12 {
				rp := rps[k%len(rps)]
				id := fmt.Sprintf("s%02d", k)
				end := base.Add(time.Duration(k)*7*time.Minute + 3*time.Second)
				v := storage.Session{ID: id, RPID: rp, Channel: "web", Level: "1", Purpose: "p", State: storage.SessionApproved,
					CreatedAt: end.Add(-time.Minute), UpdatedAt: end, ExpiresAt: end.Add(5 * time.Minute)}
				if err := s.CreateSession(ctx, v); err != nil {
					t.Fatal(err)
				}
				if k < 9 {
					appendRecord(id, rp, end.Add(2*time.Millisecond))
				} else {
					missing = append(missing, id)
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
				rows, err := s.query(ctx, "EXPLAIN QUERY PLAN "+q, 100)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				var plan []string
				for rows.Next() {
					var id, parent, unused int
					var detail string
					if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
						t.Fatal(err)
					}
					plan = append(plan, detail)
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
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
				// A log much larger than the sessions checked, as at any
				// real scale, so that the planner weighs probing the log
				// against hashing all of it: 100,000 more records over a
				// day, in bulk (the chain does not matter here).
				if _, err := s.db.exec(ctx, `INSERT INTO records (seq, id, time, person_id, rp_id, rp_name, channel, level, outcome, guardian_id)
					SELECT 1000000 + g, 'bulk-' || g, $1::timestamptz + g * interval '1 second', 'p1',
						(ARRAY['rp-a', 'rp-b', 'rp-c'])[1 + g % 3], 'rp', 'web', '1', 'approved', ''
					FROM generate_series(1, 100000) AS g`, base); err != nil {
					t.Fatal(err)
				}
				if _, err := s.db.exec(ctx, "ANALYZE records"); err != nil {
					t.Fatal(err)
				}
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
				// scans rather than probes).
				byIndex := false
				for _, n := range plan[0].Plan.recordScans() {
					switch {
					case strings.HasSuffix(n.Index, "rp_id_time_idx"):
						byIndex = true
					case n.Type == "Seq Scan" && n.Rows+n.Removed > 0:
						t.Fatalf("the plan reads %v records of %s sequentially:\n%s", n.Rows+n.Removed, n.Relation, out)
					}
				}
				if !byIndex {
					t.Fatalf("the plan does not read records by (rp_id, time):\n%s", out)
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
