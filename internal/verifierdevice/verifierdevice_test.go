package verifierdevice

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

const issuer = "https://netid.test"

type env struct {
	t   testing.TB
	s   *Service
	st  storage.Storage
	now time.Time
}

func newEnv(t testing.TB) *env {
	t.Helper()
	st, err := sqlstore.OpenSQLite(t.Context(), sqlstore.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// The real clock: the store judges nonces by it.
	e := &env{t: t, st: st, now: time.Now().UTC().Truncate(time.Second)}
	key := []byte("test mac key")
	e.s = &Service{Store: st, Issuer: issuer, Now: func() time.Time { return e.now },
		MAC: func(domain string, b []byte) []byte {
			m := hmac.New(sha256.New, key)
			m.Write([]byte(domain + "\x00"))
			m.Write(b)
			return m.Sum(nil)
		}}
	for _, rp := range []storage.RelyingParty{
		{ID: "hotel", Name: "测试酒店", Category: storage.CategoryInPerson, LegalBasis: "hotel: 《旅馆业治安管理办法》第六条", AuthMethod: storage.AuthClientSecret},
		{ID: "shop", Name: "网店", Category: "internet", AuthMethod: storage.AuthClientSecret},
	} {
		if err := st.CreateRelyingParty(t.Context(), rp); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// enrolled adds and enrols a device of the hotel.
func (e *env) enrolled() (storage.VerifierDevice, *ecdsa.PrivateKey) {
	e.t.Helper()
	a, err := e.s.Add(e.t.Context(), "hotel", "前台 1")
	if err != nil {
		e.t.Fatal(err)
	}
	k := newKey(e.t)
	p, err := EnrolProof(k, a.Code, issuer, e.now)
	if err != nil {
		e.t.Fatal(err)
	}
	d, err := e.s.Enrol(e.t.Context(), p)
	if err != nil {
		e.t.Fatalf("Enrol: %v", err)
	}
	return d, k
}

func TestAddAndEnrol(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	a, err := e.s.Add(ctx, "hotel", "  前台 1 ")
	if err != nil {
		t.Fatal(err)
	}
	if a.Device.State != storage.VerifierDevicePending || a.Device.Name != "前台 1" || len(a.Code) != 19 || strings.Count(a.Code, "-") != 3 {
		t.Fatalf("added %+v, code %q", a.Device, a.Code)
	}
	stored, _ := e.st.GetVerifierDevice(ctx, a.Device.ID)
	if strings.Contains(string(stored.CodeHash), strings.ReplaceAll(a.Code, "-", "")) {
		t.Fatal("the code is stored in the clear")
	}
	k := newKey(t)
	// Typed in lower case with spaces: still the code.
	typed := strings.ToLower(strings.ReplaceAll(a.Code, "-", " "))
	p, err := EnrolProof(k, typed, issuer, e.now)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.s.Enrol(ctx, p)
	if err != nil {
		t.Fatalf("Enrol: %v", err)
	}
	if d.State != storage.VerifierDeviceActive || d.CodeHash != nil || len(d.PublicKey) == 0 {
		t.Fatalf("enrolled %+v", d)
	}
	// The code is used once.
	p2, _ := EnrolProof(newKey(t), a.Code, issuer, e.now)
	if _, err := e.s.Enrol(ctx, p2); !errors.Is(err, ErrCode) {
		t.Fatalf("a used code: %v", err)
	}
}

func TestAddRefuses(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		rp, name string
		want     error
	}{
		{"hotel", "", ErrInvalid},
		{"hotel", strings.Repeat("长", MaxName+1), ErrInvalid},
		{"hotel", "a\nb", ErrInvalid},
		{"nobody", "desk", relyingparty.ErrNotFound},
		{"shop", "desk", relyingparty.ErrNotInPerson},
	} {
		if _, err := e.s.Add(t.Context(), tc.rp, tc.name); !errors.Is(err, tc.want) {
			t.Errorf("Add(%q, %q): %v, want %v", tc.rp, tc.name, err, tc.want)
		}
	}
}

func TestEnrolRefuses(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	a, _ := e.s.Add(ctx, "hotel", "desk")
	k := newKey(t)
	for name, proof := range map[string]func() string{
		"garbage":        func() string { return "not a jws" },
		"another issuer": func() string { p, _ := EnrolProof(k, a.Code, "https://evil.test", e.now); return p },
		"stale":          func() string { p, _ := EnrolProof(k, a.Code, issuer, e.now.Add(-2*MaxAge)); return p },
		"wrong code":     func() string { p, _ := EnrolProof(k, "ABCD-EFGH-JKMN-PQRS", issuer, e.now); return p },
		"short code":     func() string { p, _ := EnrolProof(k, "ABCD", issuer, e.now); return p },
		"request proof":  func() string { p, _ := Sign(k, "x", "POST", issuer, nil, e.now); return p },
	} {
		if _, err := e.s.Enrol(ctx, proof()); !errors.Is(err, ErrCode) {
			t.Errorf("%s: %v, want ErrCode", name, err)
		}
	}
	// Expired.
	e.now = e.now.Add(CodeTTL)
	p, _ := EnrolProof(k, a.Code, issuer, e.now)
	if _, err := e.s.Enrol(ctx, p); !errors.Is(err, ErrCode) {
		t.Errorf("expired: %v, want ErrCode", err)
	}
}

// TestEnrolRace: of racing enrolments with one code, exactly one wins.
func TestEnrolRace(t *testing.T) {
	e := newEnv(t)
	a, _ := e.s.Add(t.Context(), "hotel", "desk")
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		p, _ := EnrolProof(newKey(t), a.Code, issuer, e.now)
		wg.Go(func() { _, errs[i] = e.s.Enrol(context.Background(), p) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrCode):
			t.Errorf("racing enrolment: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d enrolments won, want 1", ok)
	}
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	d, k := e.enrolled()
	url := issuer + "/v1/eid/verify"
	body := []byte(`{"payload":"NETIDEID1.x"}`)
	p, err := Sign(k, d.ID, "POST", url, body, e.now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.s.Authenticate(ctx, p, "POST", url, body)
	if err != nil || got.Device.ID != d.ID || got.RelyingParty.ID != "hotel" {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	if _, err := e.s.Authenticate(ctx, p, "POST", url, body); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("replayed: %v", err)
	}
	fresh := func(method, u string, b []byte, at time.Time, key *ecdsa.PrivateKey, id string) string {
		p, err := Sign(key, id, method, u, b, at)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, tc := range map[string]struct {
		proof string
		body  []byte
	}{
		"missing":      {"", body},
		"other body":   {fresh("POST", url, body, e.now, k, d.ID), []byte(`{"payload":"NETIDEID1.y"}`)},
		"other url":    {fresh("POST", issuer+"/v1/other", body, e.now, k, d.ID), body},
		"other method": {fresh("GET", url, body, e.now, k, d.ID), body},
		"stale":        {fresh("POST", url, body, e.now.Add(-2*MaxAge), k, d.ID), body},
		"other key":    {fresh("POST", url, body, e.now, newKey(t), d.ID), body},
		"unknown":      {fresh("POST", url, body, e.now, k, "vd_nope"), body},
	} {
		if _, err := e.s.Authenticate(ctx, tc.proof, "POST", url, tc.body); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: %v, want ErrUnauthenticated", name, err)
		}
	}

	// Revoked by the operator: nothing more.
	if _, err := e.s.Revoke(ctx, d.ID, "", ByOperator, "lost terminal"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Authenticate(ctx, fresh("POST", url, body, e.now, k, d.ID), "POST", url, body); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked: %v, want ErrRevoked", err)
	}
	list, _ := e.s.List(ctx, "hotel")
	if len(list) != 1 || list[0].State != storage.VerifierDeviceRevoked || list[0].RevokedBy != ByOperator || list[0].Reason != "lost terminal" {
		t.Errorf("listed %+v", list)
	}
}

func TestDisabledRelyingParty(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	d, k := e.enrolled()
	if _, err := e.st.UpdateRelyingParty(ctx, "hotel", func(rp storage.RelyingParty) (storage.RelyingParty, error) {
		rp.Disabled = true
		return rp, nil
	}); err != nil {
		t.Fatal(err)
	}
	p, _ := Sign(k, d.ID, "GET", issuer+"/x", nil, e.now)
	if _, err := e.s.Authenticate(ctx, p, "GET", issuer+"/x", nil); !errors.Is(err, ErrRevoked) {
		t.Errorf("disabled relying party: %v, want ErrRevoked", err)
	}
}

func TestRevoke(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	d, _ := e.enrolled()
	if _, err := e.s.Revoke(ctx, d.ID, "other-rp", ByRelyingParty, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another relying party's device: %v", err)
	}
	if _, err := e.s.Revoke(ctx, "vd_nope", "", ByOperator, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing device: %v", err)
	}
	if _, err := e.s.Revoke(ctx, d.ID, "", ByOperator, " "); !errors.Is(err, ErrInvalid) {
		t.Errorf("no reason: %v", err)
	}
	// A pending device's code dies with it.
	a, _ := e.s.Add(ctx, "hotel", "desk 2")
	if _, err := e.s.Revoke(ctx, a.Device.ID, "hotel", ByRelyingParty, "not needed"); err != nil {
		t.Fatal(err)
	}
	p, _ := EnrolProof(newKey(t), a.Code, issuer, e.now)
	if _, err := e.s.Enrol(ctx, p); !errors.Is(err, ErrCode) {
		t.Errorf("the code of a revoked device: %v", err)
	}
}

// FuzzAuthenticate: no proof, however made, authenticates unless an
// enrolled device signed it for this request; none panics; every refusal
// is ErrUnauthenticated or ErrRevoked.
func FuzzAuthenticate(f *testing.F) {
	e := newEnv(f)
	d, k := e.enrolled()
	url := issuer + "/v1/eid/verify"
	good, _ := Sign(k, d.ID, "POST", url, []byte("{}"), e.now)
	f.Add("")
	f.Add("a.b.c")
	f.Add(good)
	f.Add(good[:len(good)-3] + "AAA")
	f.Fuzz(func(t *testing.T, proof string) {
		_, err := e.s.Authenticate(context.Background(), proof, "POST", url, []byte("{}"))
		if err == nil && proof != good {
			t.Fatalf("accepted %q", proof)
		}
		if err != nil && !errors.Is(err, ErrUnauthenticated) && !errors.Is(err, ErrRevoked) {
			t.Fatalf("%q: %v", proof, err)
		}
	})
}

// FuzzEnrol: an enrolment proof that is not one is ErrCode, never a panic.
func FuzzEnrol(f *testing.F) {
	e := newEnv(f)
	a, _ := e.s.Add(context.Background(), "hotel", "desk")
	p, _ := EnrolProof(newKey(f), a.Code, issuer, e.now)
	f.Add(p[:len(p)-2])
	f.Add("x.y.z")
	f.Fuzz(func(t *testing.T, proof string) {
		if _, err := e.s.Enrol(context.Background(), proof); err != nil && !errors.Is(err, ErrCode) {
			t.Fatalf("%q: %v", proof, err)
		}
	})
}
