package rp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Stats are a relying party's own daily counts of verifications: for each
// day from From to To (dates in Beijing time, both included) how many of
// its verifications at each level ended each way (approved, declined,
// cancelled, expired, failed).
type Stats struct {
	ClientID string     `json:"client_id"`
	TimeZone string     `json:"time_zone"`
	From     string     `json:"from"`
	To       string     `json:"to"`
	Days     []StatsDay `json:"days"`
}

// StatsDay is one day's counts; Counts is empty on a day without
// verifications.
type StatsDay struct {
	Date   string       `json:"date"`
	Counts []StatsCount `json:"counts"`
}

// StatsCount is how many verifications of one level ended one way.
type StatsCount struct {
	Level   Level  `json:"level"`
	Outcome string `json:"outcome"`
	Count   int64  `json:"count"`
}

// MaxStatsDays is the longest range Stats asks for.
const MaxStatsDays = 92

// Stats fetches the relying party's daily counts from the first to the
// last day given (GET /v1/rp/stats; dates as time.DateOnly, in Beijing
// time). Zero times leave the range to the platform: the last seven days.
func (c *Client) Stats(ctx context.Context, from, to time.Time) (*Stats, error) {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("from", from.Format(time.DateOnly))
	}
	if !to.IsZero() {
		q.Set("to", to.Format(time.DateOnly))
	}
	if !from.IsZero() && !to.IsZero() && (to.Before(from) || to.Sub(from) > MaxStatsDays*24*time.Hour) {
		return nil, errors.New("rp: daily counts: from must not be after to, and the range at most 92 days")
	}
	path := "/v1/rp/stats"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var s Stats
	if err := c.do(ctx, http.MethodGet, path, nil, http.StatusOK, &s); err != nil {
		return nil, fmt.Errorf("rp: daily counts: %w", err)
	}
	if s.ClientID != c.clientID {
		return nil, errors.New("rp: daily counts: the answer is about another relying party")
	}
	return &s, nil
}
