package platform_test

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
)

// TestReportIsTheHoldersStatement: a holder reporting an offline
// presentation to a registered relying party's ID writes a record of their
// own statement, never one in the relying party's name.
func TestReportIsTheHoldersStatement(t *testing.T) {
	e := newEnv(t, "")
	e.register("shopb", "", "", "age_over_18")
	h := e.apply(adult(t))

	var rec map[string]any
	must(t, e.holderCall(h, "POST", "/v1/wallet/presentations", map[string]any{"audience": "shopb", "disclosed": []string{"name"}}), http.StatusCreated).json(t, &rec)
	var hist struct{ Records []map[string]any }
	must(t, e.holderCall(h, "GET", "/v1/wallet/history", nil), http.StatusOK).json(t, &hist)
	var reports []map[string]any
	for _, r := range hist.Records {
		if r["channel"] == "presentation" {
			reports = append(reports, r)
		}
	}
	if len(reports) != 1 {
		t.Fatalf("history: %+v", hist.Records)
	}
	for what, r := range map[string]map[string]any{"answer": rec, "history": reports[0]} {
		if r["reported_by"] != "holder" || r["audience"] != "shopb" || r["outcome"] != "reported_by_holder" {
			t.Errorf("%s: %v, want the holder's report to shopb", what, r)
		}
		if r["rp_id"] != nil || r["relying_party"] != "" {
			t.Errorf("%s: attributed to relying party %v (%v): the holder's statement reads as the relying party's act", what, r["rp_id"], r["relying_party"])
		}
	}
	// As stored: no relying party named.
	recs, err := e.p.Store.ListPersonRecords(e.ctx, mustPersonOf(t, e, h), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Channel == verification.ChannelPresentation && (r.RPID != "" || r.Outcome != "reported_by_holder") {
			t.Errorf("stored report: rp %q, outcome %q", r.RPID, r.Outcome)
		}
	}
}

// TestReportsAreLimitedPerHolder: past the operator's daily limit a
// holder's reports get a 429 problem with Retry-After; the count is kept
// in the database (another replica, or the platform after a restart,
// counts on from it), is per holder, and starts again the next day.
func TestReportsAreLimitedPerHolder(t *testing.T) {
	e := newEnvWith(t, "", func(c *config.Config) { c.ReportsPerDay = 3 })
	h := e.apply(adult(t))
	other := e.apply(adult(t))
	report := func(h *holderKey) response {
		return e.holderCall(h, "POST", "/v1/wallet/presentations", map[string]any{"audience": "https://shop.example", "disclosed": []string{"age_over_18"}})
	}
	for range 2 {
		must(t, report(h), http.StatusCreated)
	}
	// A second service on the same database, as another replica or the
	// platform restarted: it has no counts of its own in memory.
	replica := *e.p.Verification
	if _, err := replica.ReportPresentation(e.ctx, verification.Holder{Person: mustPerson(t, e, h)}, "https://shop.example", nil); err != nil {
		t.Fatalf("third report through the replica: %v", err)
	}
	r := report(h)
	if typ := r.problemType(t); r.status != http.StatusTooManyRequests || typ != "too-many-reports" {
		t.Fatalf("fourth report: %d %s", r.status, typ)
	}
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 24*3600 {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if _, err := replica.ReportPresentation(e.ctx, verification.Holder{Person: mustPerson(t, e, h)}, "https://shop.example", nil); !errors.Is(err, verification.ErrTooManyReports) {
		t.Errorf("the replica past the limit: %v", err)
	}
	must(t, report(other), http.StatusCreated)
	e.clock.Advance(24 * time.Hour)
	must(t, report(h), http.StatusCreated)
}

func mustPerson(t *testing.T, e *env, h *holderKey) storage.Person {
	t.Helper()
	p, err := e.p.Store.GetPerson(e.ctx, mustPersonOf(t, e, h))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRacingReportsKeepTheLimit: reports sent at once are counted one by
// one in the database: exactly the limit is accepted, on both backends.
func TestRacingReportsKeepTheLimit(t *testing.T) {
	backends(t, testRacingReports)
}

func testRacingReports(t *testing.T, db string) {
	e := newEnvWith(t, db, func(c *config.Config) { c.ReportsPerDay = 5 })
	h := e.apply(adult(t))
	p := mustPerson(t, e, h)
	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := e.p.Verification.ReportPresentation(e.ctx, verification.Holder{Person: p}, "https://shop.example", nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var ok, limited int
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, verification.ErrTooManyReports):
			limited++
		default:
			t.Errorf("report: %v", err)
		}
	}
	if ok != 5 || limited != n-5 {
		t.Fatalf("%d accepted, %d limited; want 5 and %d", ok, limited, n-5)
	}
}
