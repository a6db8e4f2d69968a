package rp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/rp"
)

// Stats asks GET /v1/rp/stats with the client's authentication and the
// dates, and refuses an answer about another relying party or a range the
// platform would refuse.
func TestClientStats(t *testing.T) {
	var gotQuery, gotAuth string
	answer := `{"client_id":"shop","time_zone":"UTC+08:00","from":"2026-03-01","to":"2026-03-02","days":[` +
		`{"date":"2026-03-01","counts":[]},{"date":"2026-03-02","counts":[{"level":"password","outcome":"approved","count":3}]}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/rp/stats" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		gotQuery, gotAuth = r.URL.RawQuery, r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	c, err := rp.NewClient(srv.URL, "shop", rp.ClientSecret("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s, err := c.Stats(ctx, from, from.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if gotQuery != "from=2026-03-01&to=2026-03-02" || !strings.HasPrefix(gotAuth, "Basic ") {
		t.Errorf("asked %q with %q", gotQuery, gotAuth)
	}
	if len(s.Days) != 2 || len(s.Days[1].Counts) != 1 || s.Days[1].Counts[0].Level != rp.LevelPassword || s.Days[1].Counts[0].Count != 3 {
		t.Errorf("stats: %+v", s)
	}
	if _, err := c.Stats(ctx, time.Time{}, time.Time{}); err != nil || gotQuery != "" {
		t.Errorf("the default range: %q, %v", gotQuery, err)
	}
	if _, err := c.Stats(ctx, from, from.AddDate(0, 0, -1)); err == nil {
		t.Error("to before from: no error")
	}
	if _, err := c.Stats(ctx, from, from.AddDate(1, 0, 0)); err == nil {
		t.Error("a year: no error")
	}
	other, _ := rp.NewClient(srv.URL, "other", rp.ClientSecret("s3cret"))
	if _, err := other.Stats(ctx, from, from); err == nil || !strings.Contains(err.Error(), "another relying party") {
		t.Errorf("an answer about another relying party: %v", err)
	}
}
