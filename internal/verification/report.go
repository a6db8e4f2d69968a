package verification

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// OutcomeReportedByHolder is the outcome of a record the holder wrote
// about themselves: an offline presentation they say they made (本人申报).
// Such a record states what the holder reported, never what the relying
// party did: it names the audience as the holder gave it and no relying
// party (RPID stays empty), and every view of the record log shows it as
// the holder's statement.
const OutcomeReportedByHolder = "reported_by_holder"

// DefaultReportsPerDay is how many offline presentations a holder may
// report per day when Service.ReportsPerDay is zero.
const DefaultReportsPerDay = 20

// ErrTooManyReports: the holder reached the day's limit of reported
// offline presentations. It wraps into a *ReportLimitError that says when
// reporting opens again.
var ErrTooManyReports = errors.New("too many reported presentations today")

// ReportLimitError is ErrTooManyReports with the time left until the
// holder's next report is accepted.
type ReportLimitError struct {
	Limit      int
	RetryAfter time.Duration
}

func (e *ReportLimitError) Error() string {
	return fmt.Sprintf("%v: at most %d a day; try again in %v", ErrTooManyReports, e.Limit, e.RetryAfter.Round(time.Second))
}

func (e *ReportLimitError) Unwrap() error { return ErrTooManyReports }

func (s *Service) reportsPerDay() int {
	if s.ReportsPerDay > 0 {
		return s.ReportsPerDay
	}
	return DefaultReportsPerDay
}

// ReportPresentation records, at the holder's own request, an offline
// presentation the holder says they made to audience (the relying party
// verified it without calling the platform). The record is the holder's
// statement (OutcomeReportedByHolder): it carries the audience as the
// holder named it and no relying party, whether or not audience is a
// registered relying party's ID, so that nobody can write a record in a
// relying party's name.
//
// Reports are counted per holder and UTC day in the Store (Increment), so
// the limit holds across restarts and replicas; past it the answer is a
// *ReportLimitError.
func (s *Service) ReportPresentation(ctx context.Context, h Holder, audience string, disclosed []string) (storage.Record, error) {
	if audience == "" || len(audience) > 512 || len(disclosed) > 32 {
		return storage.Record{}, fmt.Errorf("%w: audience and up to 32 disclosed claim names", ErrInvalidRequest)
	}
	for _, c := range disclosed {
		if !relyingparty.Known(c) {
			return storage.Record{}, fmt.Errorf("%w: unknown claim %q", ErrInvalidRequest, c)
		}
	}
	now := s.now()
	day := now.Truncate(24 * time.Hour)
	end := day.Add(24 * time.Hour)
	n, err := s.Store.Increment(ctx, "holder-reports:"+h.Person.ID+":"+strconv.FormatInt(day.Unix(), 10), end)
	if err != nil {
		return storage.Record{}, fmt.Errorf("verification: counting reports: %w", err)
	}
	if limit := s.reportsPerDay(); n > int64(limit) {
		return storage.Record{}, &ReportLimitError{Limit: limit, RetryAfter: end.Sub(now)}
	}
	r := storage.Record{
		Time: now, PersonID: h.Person.ID, RPName: audience, Channel: ChannelPresentation,
		Level: string(LevelPossession), Provided: disclosed, Outcome: OutcomeReportedByHolder,
	}
	return s.Records.Append(ctx, r)
}

// ReportedByHolder reports whether r is a holder's own statement rather
// than a relying party's or the platform's act: every record of channel
// ChannelPresentation is one (the wallet reports offline presentations;
// records written before OutcomeReportedByHolder existed said "presented"
// and named the relying party, but the holder wrote them too).
func ReportedByHolder(r storage.Record) bool { return r.Channel == ChannelPresentation }
