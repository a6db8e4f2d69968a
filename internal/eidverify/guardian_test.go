package eidverify

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/storage"
)

// TestUnder14NeedsGuardianConsent: an in-person check of an under-14
// holder passes only with their guardian's consent to that verifier, which
// the platform looks up itself (a wallet cannot leave it out).
func TestUnder14NeedsGuardianConsent(t *testing.T) {
	f := newFixture(t, document.Date{Year: 2015, Month: 5, Day: 1}) // 10 at t0
	p := f.store.people[f.person]
	p.GuardianID = "guardian-1"
	f.store.people[f.person] = p
	hotel := inPerson("hotel", "hotel: 《旅馆业治安管理办法》第六条", "name")
	ctx := context.Background()

	_, err := f.svc.Verify(ctx, hotel, f.payload(t, f.now))
	if !errors.Is(err, ErrGuardianConsent) {
		t.Fatalf("no consent: %v, want ErrGuardianConsent", err)
	}
	recs := f.log.all()
	if len(recs) != 1 || recs[0].Outcome != OutcomeFailed || recs[0].PersonID != f.person {
		t.Fatalf("records: %+v", recs)
	}
	// Consent to another verifier, or by someone who is not the guardian,
	// does not count.
	f.store.consents[f.person+" other-hotel"] = storage.Consent{PersonID: f.person, RPID: "other-hotel", GuardianID: "guardian-1", GuardianAt: t0}
	f.store.consents[f.person+" hotel"] = storage.Consent{PersonID: f.person, RPID: "hotel", GuardianID: "someone-else", GuardianAt: t0}
	f.now = f.now.Add(time.Second)
	if _, err := f.svc.Verify(ctx, hotel, f.payload(t, f.now)); !errors.Is(err, ErrGuardianConsent) {
		t.Fatalf("consent to another verifier or by another person: %v", err)
	}
	// A holder's own consent (no guardian) does not count either.
	f.store.consents[f.person+" hotel"] = storage.Consent{PersonID: f.person, RPID: "hotel", Claims: []string{"name"}}
	if _, err := f.svc.Verify(ctx, hotel, f.payload(t, f.now)); !errors.Is(err, ErrGuardianConsent) {
		t.Fatalf("the holder's own consent: %v", err)
	}
	f.store.consents[f.person+" hotel"] = storage.Consent{PersonID: f.person, RPID: "hotel", GuardianID: "guardian-1", GuardianAt: t0}
	res, err := f.svc.Verify(ctx, hotel, f.payload(t, f.now))
	if err != nil || !res.Verified {
		t.Fatalf("with the guardian's consent: %+v %v", res, err)
	}
	// At 14 no consent is needed.
	g := newFixture(t, document.Date{Year: 2012, Month: 2, Day: 28})
	if _, err := g.svc.Verify(ctx, hotel, g.payload(t, g.now)); err != nil {
		t.Fatalf("a 14-year-old: %v", err)
	}
}
