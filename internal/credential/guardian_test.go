package credential

import (
	"errors"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/guardianconsent"
)

// consentFor signs a guardian consent statement for the fixture's issuer,
// audience aud and holder key.
func (f *fixture) consentFor(t testing.TB, aud string, holder *jose.JSONWebKey) string {
	t.Helper()
	jkt, err := guardianconsent.Thumbprint(holder)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := guardianconsent.Sign(f.issuerKey, testKID, guardianconsent.Statement{
		Issuer: f.claims.Issuer, Audience: aud, KeyThumbprint: jkt, IssuedAt: testNow.Add(-time.Hour), Expiry: testNow.Add(24 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestUnder14NeedsGuardianConsent: a credential saying its holder is under
// 14 verifies only with the guardian's consent statement for the audience
// and the credential's key in the key-binding JWT.
func TestUnder14NeedsGuardianConsent(t *testing.T) {
	f := newFixture(t)
	f.claims.GuardianConsentRequired = true
	f.claims.Disclosable["age_over_14"] = false
	sd := f.issue(t)
	holder := &jose.JSONWebKey{Key: &f.holderKey.PublicKey}
	good := f.consentFor(t, testAud, holder)
	present := func(disclose []string, consent string) string {
		t.Helper()
		p, err := PresentWithConsent(sd, disclose, f.holderKey, testAud, testNon, consent, testNow)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	c, err := VerifyPresentation(present(nil, good), f.opts())
	if err != nil || c.KeyBinding.GuardianConsent == nil || !c.Claims.GuardianConsentRequired || !c.UnderFourteen() {
		t.Fatalf("with consent: %+v, %v", c, err)
	}
	other := f.consentFor(t, testAud, &jose.JSONWebKey{Key: &newKey(t).PublicKey})
	elsewhere := f.consentFor(t, "https://other.example", holder)
	forged := func() string {
		jkt, _ := guardianconsent.Thumbprint(holder)
		tok, err := guardianconsent.Sign(newKey(t), testKID, guardianconsent.Statement{
			Issuer: f.claims.Issuer, Audience: testAud, KeyThumbprint: jkt, IssuedAt: testNow.Add(-time.Hour), Expiry: testNow.Add(time.Hour),
		})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}()
	for name, p := range map[string]string{
		"no consent":                  present(nil, ""),
		"no consent, age disclosed":   present([]string{"age_over_14"}, ""),
		"another credential's":        present(nil, other),
		"for another audience":        present(nil, elsewhere),
		"signed by someone else":      present(nil, forged),
		"not a statement":             present(nil, "not.a.jwt"),
		"the key-binding JWT instead": present(nil, sd[:10]),
	} {
		if _, err := VerifyPresentation(p, f.opts()); !errors.Is(err, ErrGuardianConsent) {
			t.Errorf("%s: %v, want ErrGuardianConsent", name, err)
		}
	}
	// Past the statement's expiry.
	o := f.opts()
	o.Now = testNow.Add(25 * time.Hour)
	o.MaxKBAge = 26 * time.Hour
	if _, err := VerifyPresentation(present(nil, good), o); !errors.Is(err, ErrGuardianConsent) {
		t.Errorf("expired statement: %v", err)
	}
}

// TestDisclosedUnder14NeedsGuardianConsent: a credential issued before the
// plaintext marker existed says the holder is under 14 when it discloses
// age_over_14 false; that presentation needs the consent too, and one of
// an adult does not.
func TestDisclosedUnder14NeedsGuardianConsent(t *testing.T) {
	f := newFixture(t)
	f.claims.Disclosable["age_over_14"] = false
	sd := f.issue(t)
	p, err := Present(sd, []string{"age_over_14"}, f.holderKey, testAud, testNon, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyPresentation(p, f.opts()); !errors.Is(err, ErrGuardianConsent) {
		t.Fatalf("age_over_14 false disclosed, no consent: %v", err)
	}
	f.claims.Disclosable["age_over_14"] = true
	p, err = Present(f.issue(t), []string{"age_over_14"}, f.holderKey, testAud, testNon, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := VerifyPresentation(p, f.opts()); err != nil || c.KeyBinding.GuardianConsent != nil {
		t.Fatalf("over 14: %+v %v", c, err)
	}
}

// TestGuardianConsentRequiredIsPlaintext: the marker is in the
// issuer-signed JWT (a holder cannot withhold it), must be a boolean, and
// cannot be issued as a selectively disclosable claim.
func TestGuardianConsentRequiredIsPlaintext(t *testing.T) {
	f := newFixture(t)
	f.claims.GuardianConsentRequired = true
	c, err := Verify(f.issue(t), f.keys, testNow)
	if err != nil || !c.Claims.GuardianConsentRequired || c.Payload[ClaimGuardianConsentRequired] != true {
		t.Fatalf("issued: %+v %v", c, err)
	}
	f.claims.Disclosable[ClaimGuardianConsentRequired] = true
	if _, err := f.issuer.Issue(f.claims); !errors.Is(err, ErrInvalidClaims) {
		t.Fatalf("as a disclosable claim: %v", err)
	}
	pl := f.payload(t)
	pl[ClaimGuardianConsentRequired] = "yes"
	jwt := rawJWT(t, f.issuerKey, issuerHeader(), mustJSON(t, pl))
	if _, err := Verify(sdjwt(jwt), f.keys, testNow); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a non-boolean marker: %v", err)
	}
}
