package eid

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/rp"
)

// fakePlatform serves the issuer keys and one status list, as the platform
// does, for an rp.Verifier; its clock is settable.
type fakePlatform struct {
	URL  string
	key  *ecdsa.PrivateKey
	list *statuslist.List

	mu  sync.Mutex
	now time.Time
}

func (p *fakePlatform) Now() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.now
}

func (p *fakePlatform) set(t time.Time) {
	p.mu.Lock()
	p.now = t
	p.mu.Unlock()
}

func newFakePlatform(t testing.TB) *fakePlatform {
	t.Helper()
	l, err := statuslist.New(2, 16)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePlatform{key: newKey(t), list: l, now: t0}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}}
		w.Header().Set("Content-Type", "application/json")
		if err := jsonEncode(w, set); err != nil {
			http.Error(w, "encoding", http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("GET /status/1", func(w http.ResponseWriter, r *http.Request) {
		tok, err := statuslist.Sign(p.list, p.URL+"/status/1", p.key, "k1", p.Now(), 5*time.Minute, time.Hour)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, tok)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// issue issues a 网证 bound to device.
func (p *fakePlatform) issue(t testing.TB, device *ecdsa.PrivateKey) string {
	t.Helper()
	s, err := credential.Issuer{Key: p.key, KeyID: "k1"}.Issue(credential.Claims{
		ID:          testCID,
		Issuer:      p.URL,
		VCT:         credential.VCTWangzheng,
		Wanghao:     "WH7K2M9Q0001",
		IssuedAt:    t0.Add(-time.Hour),
		ExpiresAt:   t0.Add(365 * 24 * time.Hour),
		Holder:      &jose.JSONWebKey{Key: &device.PublicKey},
		Status:      credential.Status{URI: p.URL + "/status/1", Index: 3},
		Disclosable: map[string]any{"age_over_18": true, "age_over_60": false, "name": "张三"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (p *fakePlatform) verifier(t testing.TB) *rp.Verifier {
	t.Helper()
	v, err := rp.New(context.Background(), p.URL, rp.WithClock(p.Now))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOfflineRoundTrip(t *testing.T) {
	p := newFakePlatform(t)
	device := newKey(t)
	sd := p.issue(t, device)
	payload, err := SignOffline(sd, nil, device, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(payload) > 2000 {
		t.Errorf("offline payload is %d bytes", len(payload))
	}
	pres, nonce, err := ParseOffline(payload)
	if err != nil {
		t.Fatal(err)
	}
	if PrefixOffline+pres != payload || checkRandomID("nonce", nonce) != nil {
		t.Fatalf("ParseOffline: presentation or nonce wrong (nonce %q)", nonce)
	}
	v := p.verifier(t)
	p.set(t0.Add(10 * time.Second))
	got, err := VerifyOffline(context.Background(), v, payload, p.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got.Claims["age_over_18"] != true || len(got.Claims) != 1 || got.CredentialID != testCID {
		t.Fatalf("presentation %+v", got)
	}
}

// TestOfflineReplayAndAge: a payload is accepted once, and not at all when
// older than Window, by the relying-party SDK as a verifier uses it.
func TestOfflineReplayAndAge(t *testing.T) {
	p := newFakePlatform(t)
	device := newKey(t)
	sd := p.issue(t, device)
	ctx := context.Background()
	sign := func(at time.Time, disclose ...string) string {
		t.Helper()
		s, err := SignOffline(sd, disclose, device, at, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	v := p.verifier(t)
	fresh := sign(t0)
	p.set(t0.Add(30 * time.Second))
	if _, err := VerifyOffline(ctx, v, fresh, p.Now()); err != nil {
		t.Fatalf("first scan: %v", err)
	}
	_, err := VerifyOffline(ctx, v, fresh, p.Now())
	if !errors.Is(err, rp.ErrReplay) || !errors.Is(err, rp.ErrInvalid) {
		t.Fatalf("second scan: %v, want rp.ErrReplay", err)
	}
	// Still refused after its window (by age, before the nonce cache).
	p.set(t0.Add(Window + time.Second))
	if _, err := VerifyOffline(ctx, v, fresh, p.Now()); !errors.Is(err, ErrExpired) {
		t.Fatalf("second scan after the window: %v, want ErrExpired", err)
	}

	cases := []struct {
		name   string
		signed time.Time
		now    time.Time
		want   error
	}{
		{"exactly Window old", t0, t0.Add(Window), nil},
		{"one second older than Window", t0, t0.Add(Window + time.Second), ErrExpired},
		{"75 s old (inside rp's own leeway)", t0, t0.Add(75 * time.Second), ErrExpired},
		{"an hour old", t0, t0.Add(time.Hour), ErrExpired},
		{"Skew ahead", t0.Add(Skew), t0, nil},
		{"more than Skew ahead", t0.Add(Skew + time.Second), t0, ErrNotYetValid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := p.verifier(t)
			payload := sign(tc.signed)
			p.set(tc.now)
			_, err := VerifyOffline(ctx, v, payload, p.Now())
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("VerifyOffline = %v, want %v", err, tc.want)
			}
		})
	}

	// A payload for another platform: rp refuses it.
	other := newFakePlatform(t)
	p.set(t0)
	if _, err := VerifyOffline(ctx, other.verifier(t), sign(t0), t0); !errors.Is(err, rp.ErrInvalid) {
		t.Fatalf("another platform's verifier: %v", err)
	}
}

func TestSignOfflineDisclosures(t *testing.T) {
	p := newFakePlatform(t)
	device := newKey(t)
	sd := p.issue(t, device)
	v := p.verifier(t)
	for _, tc := range []struct {
		name     string
		disclose []string
		want     []string
	}{
		{"default", nil, []string{"age_over_18"}},
		{"none", []string{}, nil},
		{"name and 网号", []string{"name", "wanghao"}, []string{"name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload, err := SignOffline(sd, tc.disclose, device, t0, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := VerifyOffline(context.Background(), v, payload, t0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Claims) != len(tc.want)+btoi(got.Wanghao != "") {
				t.Fatalf("disclosed %v", got.Claims)
			}
			for _, c := range tc.want {
				if _, ok := got.Claims[c]; !ok {
					t.Fatalf("%s not disclosed: %v", c, got.Claims)
				}
			}
		})
	}
	if _, err := SignOffline(sd, []string{"no_such_claim"}, device, t0, nil); !errors.Is(err, credential.ErrUnknownClaim) {
		t.Fatalf("unknown claim: %v", err)
	}
	if _, err := SignOffline(sd, nil, newKey(t), t0, nil); !errors.Is(err, credential.ErrKeyBinding) {
		t.Fatalf("another device key: %v", err)
	}
	if _, err := SignOffline(sd, nil, nil, t0, nil); err == nil {
		t.Fatal("nil key accepted")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// kbWith replaces the key-binding JWT of payload with one whose payload is
// body (its signature is not valid; ParseOffline does not check it).
func kbWith(payload, body string) string {
	i := strings.LastIndexByte(payload, '~')
	kb := strings.Split(payload[i+1:], ".")
	return payload[:i+1] + kb[0] + "." + b64.EncodeToString([]byte(body)) + "." + kb[2]
}

func TestParseOfflineRejects(t *testing.T) {
	p := newFakePlatform(t)
	device := newKey(t)
	sd := p.issue(t, device)
	valid, err := SignOffline(sd, nil, device, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, nonce, err := ParseOffline(valid)
	if err != nil {
		t.Fatal(err)
	}
	noKB := valid[:strings.LastIndexByte(valid, '~')+1]
	kb := func(extra string) string {
		return `{"iat":1772352000,"aud":"netid:eid","nonce":"` + nonce + `","sd_hash":"x"` + extra + `}`
	}
	for _, tc := range []struct{ name, payload string }{
		{"empty", ""},
		{"online prefix", PrefixOnline + strings.TrimPrefix(valid, PrefixOffline)},
		{"no prefix", strings.TrimPrefix(valid, PrefixOffline)},
		{"too long", valid + strings.Repeat("A", MaxOfflineSize)},
		{"no key binding", noKB},
		{"issued JWT only", PrefixOffline + strings.SplitN(sd, "~", 2)[0]},
		{"key binding not a JWS", noKB + "abc"},
		{"other audience", kbWith(valid, strings.Replace(kb(""), "netid:eid", "https://shop.example", 1))},
		{"extra claim", kbWith(valid, kb(`,"exp":1772352060`))},
		{"duplicate nonce", kbWith(valid, kb(`,"nonce":"`+nonce+`"`))},
		{"short nonce", kbWith(valid, strings.Replace(kb(""), nonce, "abc", 1))},
		{"no iat", kbWith(valid, strings.Replace(kb(""), `"iat":1772352000,`, "", 1))},
		{"trailing data", kbWith(valid, kb("")+" x")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pres, n, err := ParseOffline(tc.payload)
			if !errors.Is(err, ErrMalformed) || pres != "" || n != "" {
				t.Fatalf("ParseOffline = %.20q, %q, %v; want ErrMalformed", pres, n, err)
			}
			if _, err := VerifyOffline(context.Background(), nil, tc.payload, t0); !errors.Is(err, ErrMalformed) {
				t.Fatalf("VerifyOffline = %v, want ErrMalformed", err)
			}
		})
	}
	if _, _, err := ParseOffline(kbWith(valid, kb(""))); err != nil {
		t.Fatalf("the base case of the table does not parse: %v", err)
	}
}

func FuzzParseOffline(f *testing.F) {
	p := newFakePlatform(f)
	device := newKey(f)
	valid, err := SignOffline(p.issue(f, device), nil, device, t0, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(PrefixOffline + "a.b.c~")
	f.Add(PrefixOffline + "a.b.c~~a.e30.c")
	f.Add(PrefixOnline + "x")
	f.Fuzz(func(t *testing.T, payload string) {
		pres, nonce, err := ParseOffline(payload)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if PrefixOffline+pres != payload || checkRandomID("nonce", nonce) != nil {
			t.Fatalf("ParseOffline accepted %q with nonce %q", payload, nonce)
		}
	})
}
