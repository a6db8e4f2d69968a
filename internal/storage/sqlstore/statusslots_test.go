package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// TestLastStatusListReadsOneRowPerList: finding the last status list reads
// about one slot per list through the primary key, not every slot. With
// many slots per list the plan must not scan the table: SQLite's plan
// searches status_slots and never scans it, and PostgreSQL's executed plan
// reads at most a few rows per list from it.
func TestLastStatusListReadsOneRowPerList(t *testing.T) {
	const lists, perList = 12, 400
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := b.openTest(t)
			ctx := t.Context()
			at := time.Unix(1_700_000_000, 0).UTC()
			for l := 1; l <= lists; l++ {
				slots := make([]storage.StatusSlot, perList)
				for i := range slots {
					slots[i] = storage.StatusSlot{List: fmt.Sprint(l), Index: int64(i), CredentialID: fmt.Sprintf("c%d-%d", l, i), DeviceKeyID: "k", CreatedAt: at}
				}
				if _, err := s.ReserveStatusSlots(ctx, slots); err != nil {
					t.Fatal(err)
				}
			}
			if last, err := s.LastStatusList(ctx); err != nil || last != fmt.Sprint(lists) {
				t.Fatalf("LastStatusList = %q, %v; want %d", last, err, lists)
			}
			switch b.f {
			case sqliteFlavor:
				plan := sqlitePlan(t, s, lastStatusList)
				for _, d := range plan {
					if strings.HasPrefix(d, "SCAN status_slots") {
						t.Fatalf("the plan scans the slots:\n%s", strings.Join(plan, "\n"))
					}
				}
			case postgresFlavor:
				if _, err := s.db.exec(ctx, "ANALYZE status_slots"); err != nil {
					t.Fatal(err)
				}
				var out string
				if err := s.db.queryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+lastStatusList).Scan(&out); err != nil {
					t.Fatal(err)
				}
				var plan []struct{ Plan planNode }
				if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan) != 1 {
					t.Fatalf("EXPLAIN: %v (%s)", err, out)
				}
				if read := plan[0].Plan.rowsRead("status_slots"); read > 2*lists+2 {
					t.Fatalf("the plan read %v slots of %d for %d lists:\n%s", read, lists*perList, lists, out)
				}
			}
		})
	}
}

// sqlitePlan is the detail column of SQLite's EXPLAIN QUERY PLAN of
// query with args, one line per step.
func sqlitePlan(t *testing.T, s *Store, query string, args ...any) []string {
	t.Helper()
	rows, err := s.query(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
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
	return plan
}

// planNode is a node of PostgreSQL's EXPLAIN (ANALYZE, FORMAT JSON).
type planNode struct {
	Relation string     `json:"Relation Name"`
	Rows     float64    `json:"Actual Rows"`
	Loops    float64    `json:"Actual Loops"`
	Plans    []planNode `json:"Plans"`
}

// rowsRead is how many rows the nodes under n read from table.
func (n planNode) rowsRead(table string) float64 {
	var sum float64
	if n.Relation == table {
		sum += n.Rows * n.Loops
	}
	for _, c := range n.Plans {
		sum += c.rowsRead(table)
	}
	return sum
}
