package server

import (
	"context"
	"net/http"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/storage"
)

// RPStatsPath is a relying party's daily counts of its verifications.
const RPStatsPath = "/v1/rp/stats"

// MaxStatsDays is the longest range of days GET /v1/rp/stats answers.
const MaxStatsDays = 92

// RecordCounter counts a relying party's records by day, level and
// outcome (storage.Storage).
type RecordCounter interface {
	CountRPRecords(ctx context.Context, rpID string, from, to time.Time, zone *time.Location) ([]storage.RecordCount, error)
}

// SlugStatsQuery is the problem of a range GET /v1/rp/stats cannot answer.
const SlugStatsQuery = "rp-query"

var typeStatsQuery = httpx.NewType(http.StatusBadRequest, SlugStatsQuery)

// RPStats is the answer of GET /v1/rp/stats: for each day from From to To
// (dates in Beijing time, both included) the relying party's verification
// records by level and outcome.
type RPStats struct {
	ClientID string       `json:"client_id"`
	TimeZone string       `json:"time_zone"`
	From     string       `json:"from"`
	To       string       `json:"to"`
	Days     []RPStatsDay `json:"days"`
}

// RPStatsDay is one day's counts; Counts is empty on a day without
// records.
type RPStatsDay struct {
	Date   string         `json:"date"`
	Counts []RPStatsCount `json:"counts"`
}

// RPStatsCount is how many verifications of one level ended one way.
type RPStatsCount struct {
	Level   string `json:"level"`
	Outcome string `json:"outcome"`
	Count   int64  `json:"count"`
}

// rpStats answers GET /v1/rp/stats?from=YYYY-MM-DD&to=YYYY-MM-DD for the
// authenticated relying party: its own counts only. Without from and to,
// the last seven days up to today.
func (s *Server) rpStats(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return httpx.MethodNotAllowed(http.MethodGet)
	}
	rp, err := s.Clients.Authenticate(r, false)
	if err != nil {
		return err
	}
	today := s.now().In(document.Zone)
	to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, document.Zone)
	from := to.AddDate(0, 0, -6)
	q := r.URL.Query()
	parse := func(name string, dst *time.Time) error {
		v := q.Get(name)
		if v == "" {
			return nil
		}
		d, err := time.ParseInLocation(time.DateOnly, v, document.Zone)
		if err != nil || len(q[name]) != 1 {
			return httpx.New(typeStatsQuery, name+" must be one date, YYYY-MM-DD.")
		}
		*dst = d
		return nil
	}
	if err := parse("from", &from); err != nil {
		return err
	}
	if err := parse("to", &to); err != nil {
		return err
	}
	days := int(to.Sub(from).Hours()/24) + 1
	if days < 1 || days > MaxStatsDays {
		return httpx.New(typeStatsQuery, "from must not be after to, and the range at most 92 days.")
	}
	counts, err := s.RPStats.CountRPRecords(r.Context(), rp.ID, from, to.AddDate(0, 0, 1), document.Zone)
	if err != nil {
		return err
	}
	out := RPStats{ClientID: rp.ID, TimeZone: "UTC+08:00", From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)}
	byDay := map[string][]RPStatsCount{}
	for _, c := range counts {
		byDay[c.Day] = append(byDay[c.Day], RPStatsCount{Level: c.Level, Outcome: c.Outcome, Count: c.Count})
	}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		c := byDay[day]
		if c == nil {
			c = []RPStatsCount{}
		}
		out.Days = append(out.Days, RPStatsDay{Date: day, Counts: c})
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
