package platform_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/devauthority"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	sdk "github.com/netid-project/netid/rp"
)

// registerInPerson registers an in-person relying party with a client
// secret.
func (e *env) registerInPerson(id, legalBasis string, claims ...string) rp {
	e.t.Helper()
	_, secret, err := e.p.Registry.Register(context.Background(), relyingparty.Registration{
		ID: id, Name: "核验点 " + id, Category: storage.CategoryInPerson, LegalBasis: legalBasis,
		Domains: []string{id + ".example"}, AllowedClaims: claims, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return rp{id: id, secret: secret}
}

// eidPayload is the online QR payload the holder's wallet shows now.
func (e *env) eidPayload(h *holderKey) string {
	e.t.Helper()
	p, err := eid.SignOnline(h.key, e.url, h.credentialID, e.clock.Now(), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// eidVerify submits a payload through the API.
func (e *env) eidVerify(r rp, payload string) response {
	e.t.Helper()
	return e.rpCall(r, "POST", "/v1/eid/verify", map[string]any{"payload": payload})
}

var eidClaims = []string{"name", "photo", "sex", "document_number", "document_valid_until", "age_over_18"}

func TestEIDFieldsPerCategory(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	hotel := e.registerInPerson("hotel-a", "hotel: 《旅馆业治安管理办法》第六条", eidClaims...)
	station := e.registerInPerson("station-a", "transport: 铁路旅客实名制", eidClaims...)
	shop := e.registerInPerson("shop-a", "age_check: 《未成年人保护法》第五十九条", eidClaims...)
	shopNoBasis := e.registerInPerson("shop-b", "", "age_over_18")
	web := e.register("web-a", "", "legal", "name", "sex", "document_number", "document_valid_until", "age_over_18")

	// The photo is never sent through the online flows, even to a relying
	// party registered for it.
	r := e.rpCall(hotel, "POST", "/v1/verifications", map[string]any{"purpose": "入住登记", "claims": []string{"name", "photo"}})
	if got := r.problemType(t); r.status != http.StatusForbidden || got != "claim-not-allowed" {
		t.Errorf("a session asking for the photo: %d %s", r.status, got)
	}

	photo := "data:image/png;base64," + base64.StdEncoding.EncodeToString(devauthority.FaceImage(p.identity.Name))
	name := []rune(p.identity.Name)
	masked := string(name[0]) + strings.Repeat("*", len(name)-2) + string(name[len(name)-1])
	number := p.identity.Number[:6] + "********" + p.identity.Number[14:]
	tests := []struct {
		name string
		rp   rp
		want map[string]any
	}{
		{"hotel", hotel, map[string]any{"name_masked": masked, "number_partial": number, "photo": photo, "sex": "M", "age_over_18": true, "document_valid_until": "2040-01-01"}},
		{"station", station, map[string]any{"name_masked": masked, "number_partial": number, "photo": photo, "document_valid_until": "2040-01-01"}},
		{"age-check retailer", shop, map[string]any{"age_over_18": true}},
		{"retailer without legal basis", shopNoBasis, map[string]any{"age_over_18": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := must(t, e.eidVerify(tt.rp, e.eidPayload(h)), http.StatusOK)
			if cc := r.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			var got map[string]any
			r.json(t, &got)
			if got["verified"] != true {
				t.Fatalf("not verified: %s", r.body)
			}
			var provided []string
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
				provided = append(provided, k)
			}
			for k := range got {
				switch k {
				case "verified", "kind", "checked_at", "provided":
				default:
					if _, ok := tt.want[k]; !ok {
						t.Errorf("%s sees %s", tt.name, k)
					}
				}
			}
			var gotProvided []string
			for _, f := range got["provided"].([]any) {
				gotProvided = append(gotProvided, f.(string))
			}
			slices.Sort(provided)
			slices.Sort(gotProvided)
			if !slices.Equal(provided, gotProvided) {
				t.Errorf("provided %v, want %v", gotProvided, provided)
			}
		})
	}
	t.Run("internet service refused", func(t *testing.T) {
		if typ := e.eidVerify(web, e.eidPayload(h)).problemType(t); typ != "eid-not-in-person" {
			t.Fatalf("an internet service RP: %s", typ)
		}
	})
	t.Run("unauthenticated", func(t *testing.T) {
		if typ := e.eidVerify(rp{id: hotel.id, secret: shop.secret}, e.eidPayload(h)).problemType(t); typ != "client-unauthenticated" {
			t.Fatalf("a wrong secret: %s", typ)
		}
	})
	t.Run("strict JSON", func(t *testing.T) {
		if r := e.rpCall(hotel, "POST", "/v1/eid/verify", map[string]any{"payload": e.eidPayload(h), "more": 1}); r.status != http.StatusBadRequest {
			t.Fatalf("an unknown member: %d %s", r.status, r.body)
		}
	})
}

func TestEIDRefusals(t *testing.T) {
	e := newEnv(t, "")
	hotel := e.registerInPerson("hotel-a", "hotel: x", eidClaims...)
	h := e.apply(adult(t))

	// Replay: the same payload twice, within its window.
	p := e.eidPayload(h)
	must(t, e.eidVerify(hotel, p), http.StatusOK)
	e.clock.Advance(10 * time.Second)
	if typ := e.eidVerify(hotel, p).problemType(t); typ != "eid-replayed" {
		t.Fatalf("a replayed payload: %s", typ)
	}

	// After its window.
	old := e.eidPayload(h)
	e.clock.Advance(eid.Window + time.Second)
	if typ := e.eidVerify(hotel, old).problemType(t); typ != "eid-expired" {
		t.Fatalf("a payload past its window: %s", typ)
	}

	// A tampered signature.
	fresh := e.eidPayload(h)
	i := strings.LastIndexByte(fresh, '.') + 3
	c := byte('A')
	if fresh[i] == 'A' {
		c = 'B'
	}
	if typ := e.eidVerify(hotel, fresh[:i]+string(c)+fresh[i+1:]).problemType(t); typ != "eid-signature-invalid" {
		t.Fatalf("a tampered signature: %s", typ)
	}
	// Not a payload.
	if typ := e.eidVerify(hotel, "NETIDEID1.hello").problemType(t); typ != "eid-malformed" {
		t.Fatalf("garbage: %s", typ)
	}

	// Suspended, then active again.
	setStatus := func(st storage.CredentialStatus) {
		t.Helper()
		if _, err := e.p.Store.UpdateCredential(context.Background(), h.credentialID, func(c storage.Credential) (storage.Credential, error) {
			c.Status, c.StatusReason, c.StatusBy = st, "test", storage.StatusByOperator
			return c, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	setStatus(storage.CredentialSuspended)
	if typ := e.eidVerify(hotel, e.eidPayload(h)).problemType(t); typ != "eid-credential-suspended" {
		t.Fatalf("a suspended credential: %s", typ)
	}
	setStatus(storage.CredentialActive)
	must(t, e.eidVerify(hotel, e.eidPayload(h)), http.StatusOK)

	// Cancelled person.
	personID := mustPersonOf(t, e, h)
	setPerson := func(st storage.PersonState) {
		t.Helper()
		if _, err := e.p.Store.UpdatePerson(context.Background(), personID, func(p storage.Person) (storage.Person, error) {
			p.State = st
			p.CancelledAt = time.Time{}
			if st == storage.PersonCancelled {
				p.CancelledAt = e.clock.Now()
			}
			return p, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	setPerson(storage.PersonCancelled)
	if typ := e.eidVerify(hotel, e.eidPayload(h)).problemType(t); typ != "eid-identity-cancelled" {
		t.Fatalf("a cancelled person: %s", typ)
	}
	setPerson(storage.PersonActive)
	must(t, e.eidVerify(hotel, e.eidPayload(h)), http.StatusOK)
}

// TestEIDOldDeviceAfterReissue: after a re-issue the old device's payloads
// are refused, the new device's accepted.
func TestEIDOldDeviceAfterReissue(t *testing.T) {
	e := newEnv(t, "")
	hotel := e.registerInPerson("hotel-a", "hotel: x", eidClaims...)
	p := adult(t)
	old := e.apply(p)
	renewed := e.apply(p)
	if typ := e.eidVerify(hotel, e.eidPayload(old)).problemType(t); typ != "eid-credential-revoked" {
		t.Fatalf("the old device after re-issue: %s", typ)
	}
	must(t, e.eidVerify(hotel, e.eidPayload(renewed)), http.StatusOK)
	// The old device's key cannot sign for the new credential either.
	forged, err := eid.SignOnline(old.key, e.url, renewed.credentialID, e.clock.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if typ := e.eidVerify(hotel, forged).problemType(t); typ != "eid-signature-invalid" {
		t.Fatalf("the old key for the new credential: %s", typ)
	}
}

// TestEIDHolderHistory: the holder's history lists each check with the
// relying party, time, fields provided and outcome, failures included.
func TestEIDHolderHistory(t *testing.T) {
	e := newEnv(t, "")
	hotel := e.registerInPerson("hotel-a", "hotel: x", eidClaims...)
	h := e.apply(adult(t))
	p := e.eidPayload(h)
	must(t, e.eidVerify(hotel, p), http.StatusOK)
	checked := e.clock.Now()
	e.clock.Advance(5 * time.Second)
	e.eidVerify(hotel, p) // replayed

	var hist api.History
	must(t, e.holderCall(h, "GET", "/v1/wallet/history", nil), http.StatusOK).json(t, &hist)
	if len(hist.Records) != 2 {
		t.Fatalf("history %+v", hist.Records)
	}
	failed, ok := hist.Records[0], hist.Records[1] // newest first
	want := []string{"name_masked", "number_partial", "photo", "sex", "age_over_18", "document_valid_until"}
	if ok.Channel != "eid" || ok.RPID != hotel.id || ok.RelyingParty != "核验点 hotel-a" || ok.Outcome != "approved" ||
		!slices.Equal(ok.Provided, want) || !ok.Time.Equal(checked) {
		t.Fatalf("the check's record: %+v", ok)
	}
	if failed.Channel != "eid" || failed.Outcome != "failed" || len(failed.Provided) != 0 || !failed.Time.Equal(checked.Add(5*time.Second)) {
		t.Fatalf("the replay's record: %+v", failed)
	}
}

// TestEIDOffline: an offline payload verifies with the relying-party SDK
// alone (keys and status list), once, and only within its window.
func TestEIDOffline(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	ctx := context.Background()
	v, err := sdk.New(ctx, e.url, sdk.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := eid.SignOffline(h.credential, nil, h.key, e.clock.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pres, err := eidverify.VerifyOffline(ctx, v, payload, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if pres.Claims["age_over_18"] != true || len(pres.Claims) != 1 {
		t.Fatalf("claims %v", pres.Claims)
	}
	if _, err := eidverify.VerifyOffline(ctx, v, payload, e.clock.Now()); !errors.Is(err, eidverify.ErrReplay) {
		t.Fatalf("a second scan: %v", err)
	}
	stale, err := eid.SignOffline(h.credential, nil, h.key, e.clock.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(eid.Window + time.Second)
	if _, err := eidverify.VerifyOffline(ctx, v, stale, e.clock.Now()); !errors.Is(err, eidverify.ErrWindow) {
		t.Fatalf("past its window: %v", err)
	}
	// The online API refuses an offline payload.
	hotel := e.registerInPerson("hotel-a", "hotel: x", eidClaims...)
	if typ := e.eidVerify(hotel, payload).problemType(t); typ != "eid-malformed" {
		t.Fatalf("an offline payload online: %s", typ)
	}
}
