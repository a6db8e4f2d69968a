package platform_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// stepBudget is the most a step of a level-1 verification may ask of the
// database: statements, and commits (transactions and autocommitted
// changes). Lowering a figure is welcome; raising one needs a reason.
type stepBudget struct {
	statements, commits int64
}

// sessionBudget is one complete possession-level verification through
// the HTTP API, a relying party authenticating with its client secret:
// create, the wallet's open and approve, and one poll of the result.
var sessionBudget = map[string]stepBudget{
	"create":  {statements: 2, commits: 1},
	"open":    {statements: 7, commits: 2},
	"approve": {statements: 15, commits: 2},
	"poll":    {statements: 2, commits: 0},
}

// TestSessionStatementBudget counts the SQL statements and commits each
// step of a complete level-1 verification runs, and fails if a step
// exceeds its budget: a change that adds round trips to the hot path shows
// here rather than only in a load test.
func TestSessionStatementBudget(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		// No key reload during the count; maintenance runs once a minute.
		e := newEnvOpt(t, db, nil, platform.Options{KeyReload: time.Hour})
		st, ok := e.p.Store.(interface{ Stats() sqlstore.Stats })
		if !ok {
			t.Fatalf("the store %T does not count its statements", e.p.Store)
		}
		h := e.apply(adult(t))
		shop := e.register("shop", "", "", "age_over_18")
		// A first session warms what is read once per process.
		warm := e.newSession(shop, map[string]any{"claims": []string{"age_over_18"}, "purpose": "预热"})
		must(t, e.open(h, warm.Code), http.StatusOK)
		must(t, e.answer(h, warm.Code, map[string]any{"decision": "approve"}), http.StatusOK)
		e.poll(shop, warm.ID)

		var total sqlstore.Stats
		step := func(name string, run func()) {
			t.Helper()
			before := st.Stats()
			run()
			got := st.Stats().Sub(before)
			total.Statements += got.Statements
			total.Transactions += got.Transactions
			total.Autocommits += got.Autocommits
			t.Logf("%-8s %2d statements, %d transactions, %d autocommits", name, got.Statements, got.Transactions, got.Autocommits)
			b := sessionBudget[name]
			if got.Statements > b.statements || got.Commits() > b.commits {
				t.Errorf("%s: %d statements and %d commits, over its budget of %d and %d",
					name, got.Statements, got.Commits(), b.statements, b.commits)
			}
		}
		var c created
		step("create", func() {
			c = e.newSession(shop, map[string]any{"claims": []string{"age_over_18"}, "purpose": "购买需年满18岁的商品", "nonce": "n-1"})
		})
		step("open", func() { must(t, e.open(h, c.Code), http.StatusOK) })
		step("approve", func() { must(t, e.answer(h, c.Code, map[string]any{"decision": "approve"}), http.StatusOK) })
		var p polled
		step("poll", func() { p = e.poll(shop, c.ID) })
		if p.State != "approved" || p.Result == "" {
			t.Fatalf("the session did not end approved: %+v", p)
		}
		t.Logf("session  %2d statements, %d transactions, %d autocommits", total.Statements, total.Transactions, total.Autocommits)
	})
}
