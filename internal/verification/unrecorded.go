package verification

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// RecordedStore is what Unrecorded reads (storage.Storage satisfies it).
type RecordedStore interface {
	ListUnrecordedSessions(ctx context.Context, limit int) ([]storage.Session, error)
	ListPersonRecords(ctx context.Context, personID string, before int64, limit int) ([]storage.Record, error)
	GetSession(ctx context.Context, id string) (storage.Session, error)
}

var _ RecordedStore = storage.Storage(nil)

// Unrecorded is what a check of ended sessions against the record log
// found.
type Unrecorded struct {
	// Missing are the ended sessions of a holder with no record: a
	// verification (or its refusal) the holder's history does not show.
	Missing []storage.Session
	// Unclaimed are sessions that ended before any holder opened them
	// (cancelled or expired while pending) with no record found: they
	// concern no person. Records of such sessions written before records
	// carried the session's ID cannot be matched, so these are listed
	// apart rather than as missing.
	Unclaimed []storage.Session
}

// legacyWindow is how long after a session ended its record was written
// by the platform before records carried the session's ID.
const legacyWindow = time.Minute

// FindUnrecorded checks up to limit ended sessions still kept (sessions are
// deleted a day after they expire) against the record log. Every session
// that ended writes its record in the same transaction, with the
// session's ID as the record's, so only data written before that can have
// a session without its record; such a session is matched with a record
// of its holder, relying party, channel and outcome written within a
// minute after it ended, as the platform then wrote them.
func FindUnrecorded(ctx context.Context, st RecordedStore, limit int) (Unrecorded, error) {
	var out Unrecorded
	cands, err := st.ListUnrecordedSessions(ctx, limit)
	if err != nil {
		return out, fmt.Errorf("verification: listing sessions without a record: %w", err)
	}
	// The records already matched, so that one record does not account
	// for two sessions.
	used := map[int64]bool{}
	for _, sess := range cands {
		if sess.PersonID == "" {
			out.Unclaimed = append(out.Unclaimed, sess)
			continue
		}
		ok, err := matchLegacy(ctx, st, sess, used)
		if err != nil {
			return out, err
		}
		if !ok {
			out.Missing = append(out.Missing, sess)
		}
	}
	return out, nil
}

// matchLegacy looks for the record of sess among its holder's records
// written from when it ended to legacyWindow later.
func matchLegacy(ctx context.Context, st RecordedStore, sess storage.Session, used map[int64]bool) (bool, error) {
	from, to := sess.UpdatedAt.Add(-time.Second), sess.UpdatedAt.Add(legacyWindow)
	before := int64(0)
	for {
		recs, err := st.ListPersonRecords(ctx, sess.PersonID, before, 100)
		if err != nil {
			return false, fmt.Errorf("verification: listing a holder's records: %w", err)
		}
		for _, r := range recs {
			if r.Time.Before(from) {
				return false, nil // newest first: nothing older can match
			}
			if used[r.Seq] || r.Time.After(to) {
				continue
			}
			if r.RPID != sess.RPID || r.Channel != sess.Channel || r.Outcome != string(sess.State) {
				continue
			}
			// A record whose ID names a session is that session's.
			switch _, err := st.GetSession(ctx, r.ID); {
			case err == nil:
				continue
			case !errors.Is(err, storage.ErrNotFound):
				return false, fmt.Errorf("verification: loading a session: %w", err)
			}
			used[r.Seq] = true
			return true, nil
		}
		if len(recs) < 100 {
			return false, nil
		}
		before = recs[len(recs)-1].Seq
	}
}
