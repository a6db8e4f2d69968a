package platform_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/eidverify"
	sdk "github.com/netid-project/netid/rp"
)

// childAged is a child who is age years old today.
func (e *env) childAged(age int) person {
	e.t.Helper()
	today := document.Today(e.clock.Now())
	return newPerson(e.t, document.DateOf(today.Time().AddDate(-age, -6, 0)))
}

// statements fetches a holder's guardian consent statements by audience.
func (e *env) statements(h *holderKey) map[string]string {
	e.t.Helper()
	var out struct {
		Statements []struct{ Audience, Statement string }
	}
	must(e.t, e.holderCall(h, "GET", "/v1/wallet/guardian-consents", nil), http.StatusOK).json(e.t, &out)
	m := map[string]string{}
	for _, s := range out.Statements {
		m[s.Audience] = s.Statement
	}
	return m
}

// TestUnder14OfflinePresentationNeedsGuardianConsent: an 11-year-old's
// offline presentation verifies only with their guardian's consent
// statement for that relying party, bound to the credential's key; a
// verifier checks it without the platform.
func TestUnder14OfflinePresentationNeedsGuardianConsent(t *testing.T) {
	e := newEnv(t, "")
	parent := e.apply(adult(t))
	kid := e.applyChild(parent, e.childAged(11))
	v, err := sdk.New(e.ctx, e.url, sdk.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	verify := func(p string, aud, nonce string) (*sdk.Presentation, error) {
		return v.VerifyPresentation(e.ctx, p, sdk.Expect{Audience: aud, Nonce: nonce})
	}

	// No consent: refused, whatever the child discloses.
	for i, disclose := range [][]string{nil, {"age_over_14"}} {
		p, err := credential.Present(kid.credential, disclose, kid.key, "game", "n-"+string(rune('a'+i)), e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if res, err := verify(p, "game", "n-"+string(rune('a'+i))); !errors.Is(err, sdk.ErrInvalid) {
			t.Fatalf("an 11-year-old's presentation without guardian consent (disclosing %v): %+v, %v; want INVALID", disclose, res, err)
		}
	}
	if got := e.statements(kid); len(got) != 0 {
		t.Fatalf("statements before any consent: %v", got)
	}

	// The guardian consents ahead to "game"; the child's wallet fetches the
	// statement and presents it.
	e.register("game", "", "", "age_over_14")
	must(t, e.holderCall(parent, "POST", "/v1/guardian/wards/"+mustPersonOf(t, e, kid)+"/consents", map[string]any{"audience": "game", "password": "27418596"}), http.StatusCreated)
	st := e.statements(kid)
	if st["game"] == "" || len(st) != 1 {
		t.Fatalf("statements: %v", st)
	}
	p, err := credential.PresentWithConsent(kid.credential, []string{"age_over_14"}, kid.key, "game", "n-1", st["game"], e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := verify(p, "game", "n-1")
	if err != nil || !res.GuardianConsent || res.Claims["age_over_14"] != false {
		t.Fatalf("with the guardian's consent: %+v %v", res, err)
	}
	// The statement for game does not cover another relying party.
	p, _ = credential.PresentWithConsent(kid.credential, nil, kid.key, "shop", "n-2", st["game"], e.clock.Now())
	if _, err := verify(p, "shop", "n-2"); !errors.Is(err, sdk.ErrGuardianConsent) {
		t.Fatalf("game's consent at shop: %v", err)
	}
	// Nor another child of the same guardian.
	sibling := e.applyChild(parent, e.childAged(9))
	p, _ = credential.PresentWithConsent(sibling.credential, nil, sibling.key, "game", "n-3", st["game"], e.clock.Now())
	if _, err := verify(p, "game", "n-3"); !errors.Is(err, sdk.ErrGuardianConsent) {
		t.Fatalf("a sibling using the consent: %v", err)
	}
	// A stranger cannot consent for the child; a guardian cannot for an
	// adult.
	stranger := e.apply(adult(t))
	if typ := e.holderCall(stranger, "POST", "/v1/guardian/wards/"+mustPersonOf(t, e, kid)+"/consents", map[string]any{"audience": "game", "password": "27418596"}).problemType(t); typ != "guardian-request-not-found" {
		t.Fatalf("a stranger consenting: %s", typ)
	}
	if typ := e.holderCall(parent, "POST", "/v1/guardian/wards/"+mustPersonOf(t, e, kid)+"/consents", map[string]any{"audience": "no-such-rp", "password": "27418596"}).problemType(t); typ != "relying-party-not-found" {
		t.Fatalf("consent to an unknown relying party: %s", typ)
	}
	// An adult's presentation needs nothing.
	p, _ = credential.Present(stranger.credential, nil, stranger.key, "game", "n-4", e.clock.Now())
	if res, err := verify(p, "game", "n-4"); err != nil || res.GuardianConsent {
		t.Fatalf("an adult: %+v %v", res, err)
	}
	if got := e.statements(stranger); len(got) != 0 {
		t.Fatalf("an adult's statements: %v", got)
	}
}

// TestEIDUnder14NeedsGuardianConsent: an under-14 holder's eID code is
// checked in person only with the guardian's consent to that verifier
// (online: the platform looks it up; offline: the code carries the
// statement for in-person checks).
func TestEIDUnder14NeedsGuardianConsent(t *testing.T) {
	e := newEnv(t, "")
	parent := e.apply(adult(t))
	kid := e.applyChild(parent, e.childAged(11))
	hotel := e.registerInPerson("hotel-k", "hotel: 《旅馆业治安管理办法》第六条", eidClaims...)

	r := e.eidVerify(hotel, e.eidPayload(kid))
	if typ := r.problemType(t); r.status != http.StatusForbidden || typ != "eid-guardian-consent-required" {
		t.Fatalf("an 11-year-old's eID check without guardian consent: %d %s", r.status, typ)
	}
	ward := mustPersonOf(t, e, kid)
	must(t, e.holderCall(parent, "POST", "/v1/guardian/wards/"+ward+"/consents", map[string]any{"audience": "hotel-k", "password": "27418596"}), http.StatusCreated)
	must(t, e.eidVerify(hotel, e.eidPayload(kid)), http.StatusOK)
	// The guardian's consent is in the ward's history.
	var hist struct{ Records []map[string]any }
	must(t, e.holderCall(parent, "GET", "/v1/guardian/wards/"+ward+"/history", nil), http.StatusOK).json(t, &hist)
	var consented bool
	for _, r := range hist.Records {
		consented = consented || (r["outcome"] == "guardian_consented" && r["rp_id"] == "hotel-k" && r["guardian_consent"] == true)
	}
	if !consented {
		t.Errorf("ward history: %v", hist.Records)
	}

	// Offline: refused without the statement for in-person checks.
	ctx := context.Background()
	v, err := sdk.New(ctx, e.url, sdk.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := eid.SignOffline(kid.credential, nil, kid.key, e.clock.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eidverify.VerifyOffline(ctx, v, payload, e.clock.Now()); !errors.Is(err, eidverify.ErrGuardianConsent) {
		t.Fatalf("an offline code of an 11-year-old without guardian consent: %v", err)
	}
	must(t, e.holderCall(parent, "POST", "/v1/guardian/wards/"+ward+"/consents", map[string]any{"audience": eid.AudienceOffline, "password": "27418596"}), http.StatusCreated)
	st := e.statements(kid)[eid.AudienceOffline]
	payload, err = eid.SignOfflineWithConsent(kid.credential, nil, kid.key, st, e.clock.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("offline code with the statement: %d bytes (at most %d)", len(payload), eid.MaxOfflineSize)
	if pres, err := eidverify.VerifyOffline(ctx, v, payload, e.clock.Now()); err != nil || !pres.GuardianConsent {
		t.Fatalf("with the guardian's consent: %+v %v", pres, err)
	}
}
