package verification

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// GuardianRequest is an under-14 ward's verification waiting for the
// guardian's consent, as the guardian's wallet shows it.
type GuardianRequest struct {
	SessionID string
	Ward      string // masked name
	RPName    string
	RPDomains []string
	Purpose   string
	Claims    []string
	ExpiresAt time.Time
}

// GuardianRequests lists the verifications waiting for guardian
// guardianID's consent.
func (s *Service) GuardianRequests(ctx context.Context, guardianID string) ([]GuardianRequest, error) {
	list, err := s.Store.ListGuardianSessions(ctx, guardianID, storage.SessionAwaitingGuardian)
	if err != nil {
		return nil, fmt.Errorf("verification: listing guardian requests: %w", err)
	}
	out := []GuardianRequest{}
	for _, sess := range list {
		sess, err := s.expireIfDue(ctx, sess)
		if err != nil {
			return nil, err
		}
		if sess.State != storage.SessionAwaitingGuardian {
			continue
		}
		rp, err := s.Store.GetRelyingParty(ctx, sess.RPID)
		if err != nil {
			return nil, fmt.Errorf("verification: loading relying party: %w", err)
		}
		ward, err := s.Store.GetPerson(ctx, sess.PersonID)
		if err != nil {
			return nil, fmt.Errorf("verification: loading ward: %w", err)
		}
		pr, err := person.Open(s.Sealer, ward)
		if err != nil {
			return nil, err
		}
		out = append(out, GuardianRequest{
			SessionID: sess.ID, Ward: person.MaskName(pr.Identity.Name), RPName: rp.Name, RPDomains: rp.Domains,
			Purpose: sess.Purpose, Claims: sess.Provided, ExpiresAt: sess.ExpiresAt,
		})
	}
	return out, nil
}

// GuardianDecide records the guardian's consent (or refusal) for a ward's
// verification, confirmed with the guardian's credential password. Consent
// covers this relying party from now on; refusal declines this session.
func (s *Service) GuardianDecide(ctx context.Context, guardianID, sessionID string, approve bool, password string) (storage.Session, error) {
	sess, err := s.Store.GetSession(ctx, sessionID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && sess.GuardianID != guardianID) {
		return storage.Session{}, ErrNotGuardian
	}
	if err != nil {
		return sess, fmt.Errorf("verification: loading session: %w", err)
	}
	if sess, err = s.expireIfDue(ctx, sess); err != nil {
		return sess, err
	}
	if sess.State != storage.SessionAwaitingGuardian {
		return sess, fmt.Errorf("%w: it is %s", ErrSessionClosed, sess.State)
	}
	if err := s.Passwords.Verify(ctx, guardianID, password); err != nil {
		return sess, err
	}
	if !approve {
		return s.end(ctx, sessionID, storage.SessionDeclined, "", func(*storage.Session) error { return nil })
	}
	rp, err := s.Store.GetRelyingParty(ctx, sess.RPID)
	if err != nil {
		return sess, fmt.Errorf("verification: loading relying party: %w", err)
	}
	ward, err := s.Store.GetPerson(ctx, sess.PersonID)
	if err != nil {
		return sess, fmt.Errorf("verification: loading ward: %w", err)
	}
	pr, err := person.Open(s.Sealer, ward)
	if err != nil {
		return sess, err
	}
	if err := s.remember(ctx, s.Store, ward.ID, rp.ID, nil, false, guardianID, s.now()); err != nil {
		return sess, err
	}
	plaintext := slices.ContainsFunc(sess.Provided, relyingparty.IsPlaintext)
	return s.approve(ctx, sessionID, nil, nil, rp, ward, pr, Level(sess.LevelReached), sess.Provided, plaintext, storage.SessionAwaitingGuardian)
}

// History returns a person's verification records, newest first.
func (s *Service) History(ctx context.Context, personID string, before int64, limit int) ([]storage.Record, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.Store.ListPersonRecords(ctx, personID, before, limit)
}

// WardHistory returns an under-14 ward's records to their guardian.
func (s *Service) WardHistory(ctx context.Context, guardianID, wardID string, before int64, limit int) ([]storage.Record, error) {
	ward, err := s.Store.GetPerson(ctx, wardID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && ward.GuardianID != guardianID) {
		return nil, ErrNotGuardian
	}
	if err != nil {
		return nil, err
	}
	pr, err := person.Open(s.Sealer, ward)
	if err != nil {
		return nil, err
	}
	if pr.Identity.Birth.AgeOn(s.today()) >= 14 {
		return nil, fmt.Errorf("%w: the ward is 14 or older: their records are their own", ErrNotGuardian)
	}
	return s.History(ctx, wardID, before, limit)
}
