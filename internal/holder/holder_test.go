package holder_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/jws/jwstest"
	"github.com/netid-project/netid/internal/storage"
)

func TestSignVerify(t *testing.T) {
	f := newFixture(t)
	proof := f.sign(t, f.now)
	h, err := f.v.Verify(context.Background(), proof, "GET", testURL)
	if err != nil {
		t.Fatal(err)
	}
	if h.Credential.ID != credID || h.Person.ID != "person-1" || h.Person.Wanghao != "WH7K2M9Q4X8P" {
		t.Errorf("authenticated %+v", h)
	}
	if n := f.store.used(); n != 1 {
		t.Errorf("%d nonces recorded, want 1", n)
	}

	// The header: compact JWS with typ and kid, and a 128-bit jti.
	jws, err := jose.ParseSignedCompact(proof, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	hdr := jws.Signatures[0].Protected
	if hdr.KeyID != credID || hdr.ExtraHeaders[jose.HeaderType] != holder.ProofType {
		t.Errorf("header %+v", hdr)
	}
	if jws.Signatures[0].Protected.JSONWebKey != nil {
		t.Error("the proof embeds a key")
	}
}

func TestSignRandomness(t *testing.T) {
	f := newFixture(t)
	a, err := holder.Sign(f.device, credID, "GET", testURL, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := holder.Sign(f.device, credID, "GET", testURL, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two proofs of the same request are equal: no fresh jti")
	}
	if _, err := holder.Sign(f.device, credID, "GET", testURL, t0, iotest.ErrReader(io.ErrClosedPipe)); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Sign with failing randomness = %v, want io.ErrClosedPipe", err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Sign(p384, credID, "GET", testURL, t0, nil); err == nil {
		t.Error("Sign with a P-384 key under ES256 succeeded")
	}
}

func TestVerify(t *testing.T) {
	other := fixedKey(t, "another device")
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	typ := map[jose.HeaderKey]any{jose.HeaderType: holder.ProofType, "kid": credID}
	fresh := claims("GET", testURL, t0, "jti-1")

	tests := []struct {
		name string
		// maxAge sets Verifier.MaxAge.
		maxAge time.Duration
		// setup returns the proof; it may change the store.
		setup   func(t *testing.T, f *fixture) string
		method  string // default GET
		url     string // default testURL
		wantErr error  // nil: verifies
	}{
		{name: "valid", setup: func(t *testing.T, f *fixture) string { return f.sign(t, f.now) }},
		{name: "valid: iat exactly MaxAge ago", setup: func(t *testing.T, f *fixture) string { return f.sign(t, f.now.Add(-time.Minute)) }},
		{name: "valid: iat exactly MaxAge ahead", setup: func(t *testing.T, f *fixture) string { return f.sign(t, f.now.Add(time.Minute)) }},
		{name: "valid: custom MaxAge", maxAge: 10 * time.Minute, setup: func(t *testing.T, f *fixture) string { return f.sign(t, f.now.Add(-9*time.Minute)) }},
		{name: "missing", setup: func(t *testing.T, f *fixture) string { return "" }, wantErr: holder.ErrUnauthenticated},
		{name: "malformed", setup: func(t *testing.T, f *fixture) string { return "not.a.jws" }, wantErr: holder.ErrUnauthenticated},
		{name: "two parts", setup: func(t *testing.T, f *fixture) string {
			p := f.sign(t, f.now)
			return p[:strings.LastIndex(p, ".")]
		}, wantErr: holder.ErrUnauthenticated},
		{name: "JWS JSON serialization", setup: func(t *testing.T, f *fixture) string {
			parts := strings.Split(f.sign(t, f.now), ".")
			return `{"protected":"` + parts[0] + `","payload":"` + parts[1] + `","signature":"` + parts[2] + `"}`
		}, wantErr: holder.ErrUnauthenticated},
		{name: "typ JWT", setup: func(t *testing.T, f *fixture) string {
			return rawProof(t, f.device, map[jose.HeaderKey]any{jose.HeaderType: "JWT", "kid": credID}, fresh)
		}, wantErr: holder.ErrUnauthenticated},
		{name: "typ of a DPoP proof", setup: func(t *testing.T, f *fixture) string {
			return rawProof(t, f.device, map[jose.HeaderKey]any{jose.HeaderType: "dpop+jwt", "kid": credID}, fresh)
		}, wantErr: holder.ErrUnauthenticated},
		{name: "no typ", setup: func(t *testing.T, f *fixture) string {
			return rawProof(t, f.device, map[jose.HeaderKey]any{"kid": credID}, fresh)
		}, wantErr: holder.ErrUnauthenticated},
		{name: "unknown credential", setup: func(t *testing.T, f *fixture) string {
			p, err := holder.Sign(f.device, "cred-9999", "GET", testURL, f.now, nil)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}, wantErr: holder.ErrUnauthenticated},
		{name: "no kid", setup: func(t *testing.T, f *fixture) string {
			return rawProof(t, f.device, map[jose.HeaderKey]any{jose.HeaderType: holder.ProofType}, fresh)
		}, wantErr: holder.ErrUnauthenticated},
		{name: "signed by another key", setup: func(t *testing.T, f *fixture) string {
			p, err := holder.Sign(other, credID, "GET", testURL, f.now, nil)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}, wantErr: holder.ErrUnauthenticated},
		{name: "another credential's key", setup: func(t *testing.T, f *fixture) string {
			// The holder of cred-0002 signs under cred-0001's kid.
			f.addCredential(t, "cred-0002", &other.PublicKey)
			p, err := holder.Sign(other, credID, "GET", testURL, f.now, nil)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}, wantErr: holder.ErrUnauthenticated},
		{name: "ES384", setup: func(t *testing.T, f *fixture) string {
			s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: p384},
				(&jose.SignerOptions{}).WithType(holder.ProofType).WithHeader("kid", credID))
			if err != nil {
				t.Fatal(err)
			}
			jws, err := s.Sign(fresh)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := jws.CompactSerialize()
			return out
		}, wantErr: holder.ErrUnauthenticated},
		{name: "payload altered", setup: func(t *testing.T, f *fixture) string {
			parts := strings.Split(f.sign(t, f.now), ".")
			other := strings.Split(rawProof(t, f.device, typ, claims("POST", testURL, f.now, "jti-1")), ".")
			return parts[0] + "." + other[1] + "." + parts[2]
		}, wantErr: holder.ErrUnauthenticated},
		{name: "payload not JSON", setup: func(t *testing.T, f *fixture) string {
			return rawProof(t, f.device, typ, []byte("GET "+testURL))
		}, wantErr: holder.ErrUnauthenticated},
		{name: "other method", method: "POST", setup: func(t *testing.T, f *fixture) string { return f.sign(t, f.now) }, wantErr: holder.ErrUnauthenticated},
		{name: "method case", method: "get", setup: func(t *testing.T, f *fixture) string { return f.sign(t, f.now) }, wantErr: holder.ErrUnauthenticated},
		{name: "other URL", url: "https://netid.example.cn/v1/wallet/revoke", setup: func(t *testing.T, f *fixture) string { return f.sign(t, f.now) }, wantErr: holder.ErrUnauthenticated},
		{name: "other host", url: "https://evil.example/v1/wallet/credential", setup: func(t *testing.T, f *fixture) string { return f.sign(t, f.now) }, wantErr: holder.ErrUnauthenticated},
		{name: "iat too old", setup: func(t *testing.T, f *fixture) string { return f.sign(t, f.now.Add(-time.Minute-time.Second)) }, wantErr: holder.ErrUnauthenticated},
		{name: "iat too far in the future", setup: func(t *testing.T, f *fixture) string { return f.sign(t, f.now.Add(time.Minute+time.Second)) }, wantErr: holder.ErrUnauthenticated},
		{name: "iat older than a custom MaxAge", maxAge: 10 * time.Second, setup: func(t *testing.T, f *fixture) string { return f.sign(t, f.now.Add(-11*time.Second)) }, wantErr: holder.ErrUnauthenticated},
		{name: "iat missing", setup: func(t *testing.T, f *fixture) string {
			return rawProof(t, f.device, typ, []byte(`{"htm":"GET","htu":"`+testURL+`","jti":"j"}`))
		}, wantErr: holder.ErrUnauthenticated},
		{name: "jti missing", setup: func(t *testing.T, f *fixture) string {
			return rawProof(t, f.device, typ, claims("GET", testURL, f.now, ""))
		}, wantErr: holder.ErrUnauthenticated},
		{name: "duplicate claim", setup: func(t *testing.T, f *fixture) string {
			// A parser keeping the first htm would see GET, one keeping the
			// last POST: the proof is refused rather than read either way.
			return jwstest.Sign(f.device, jwstest.Header(holder.ProofType, credID, nil),
				`{"htm":"GET","htu":"`+testURL+`","iat":`+strconv.FormatInt(f.now.Unix(), 10)+`,"jti":"j","htm":"POST"}`)
		}, wantErr: holder.ErrUnauthenticated},
		{name: "duplicate header key", setup: func(t *testing.T, f *fixture) string {
			return jwstest.Sign(f.device, `{"alg":"ES256","typ":"`+holder.ProofType+`","kid":"cred-9999","kid":"`+credID+`"}`, string(fresh))
		}, wantErr: holder.ErrUnauthenticated},
		{name: "crit", setup: func(t *testing.T, f *fixture) string {
			return jwstest.Sign(f.device, jwstest.Header(holder.ProofType, credID, map[string]any{"crit": []string{"exp"}, "exp": 1}), string(fresh))
		}, wantErr: holder.ErrUnauthenticated},
		{name: "valid: typ in upper case with application/ (RFC 7515 §4.1.9)", setup: func(t *testing.T, f *fixture) string {
			return jwstest.Sign(f.device, jwstest.Header("application/"+strings.ToUpper(holder.ProofType), credID, nil),
				string(claims("GET", testURL, f.now, "jti-2")))
		}},
		{name: "suspended credential", setup: func(t *testing.T, f *fixture) string {
			f.editCredential(credID, func(c *storage.Credential) { c.Status = storage.CredentialSuspended })
			return f.sign(t, f.now)
		}, wantErr: holder.ErrInactive},
		{name: "revoked credential", setup: func(t *testing.T, f *fixture) string {
			f.editCredential(credID, func(c *storage.Credential) { c.Status = storage.CredentialRevoked })
			return f.sign(t, f.now)
		}, wantErr: holder.ErrInactive},
		{name: "expired credential", setup: func(t *testing.T, f *fixture) string {
			f.editCredential(credID, func(c *storage.Credential) { c.ExpiresAt = f.now })
			return f.sign(t, f.now)
		}, wantErr: holder.ErrInactive},
		{name: "cancelled person", setup: func(t *testing.T, f *fixture) string {
			f.store.persons["person-1"] = storage.Person{ID: "person-1", State: storage.PersonCancelled}
			return f.sign(t, f.now)
		}, wantErr: holder.ErrInactive},
		{name: "suspended credential, forged proof", setup: func(t *testing.T, f *fixture) string {
			// The status is told only to the credential's holder.
			f.editCredential(credID, func(c *storage.Credential) { c.Status = storage.CredentialSuspended })
			p, err := holder.Sign(other, credID, "GET", testURL, f.now, nil)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}, wantErr: holder.ErrUnauthenticated},
	}
	sentinels := []error{holder.ErrUnauthenticated, holder.ErrReplay, holder.ErrInactive}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.v.MaxAge = tc.maxAge
			proof := tc.setup(t, f)
			method, url := "GET", testURL
			if tc.method != "" {
				method = tc.method
			}
			if tc.url != "" {
				url = tc.url
			}
			h, err := f.v.Verify(context.Background(), proof, method, url)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if h.Credential.ID != credID {
					t.Errorf("authenticated credential %q", h.Credential.ID)
				}
				return
			}
			for _, s := range sentinels {
				if got, want := errors.Is(err, s), s == tc.wantErr; got != want {
					t.Errorf("Verify = %v; errors.Is(%v) = %v, want %v", err, s, got, want)
				}
			}
			if h.Credential.ID != "" || h.Person.ID != "" {
				t.Errorf("a holder with the error: %+v", h)
			}
			if strings.Contains(err.Error(), "WH7K2M9Q4X8P") {
				t.Errorf("error %q contains the 网号", err)
			}
		})
	}
}

func TestVerifyStoreErrors(t *testing.T) {
	boom := errors.New("database unavailable")
	for _, tc := range []struct {
		name string
		set  func(s *store)
	}{
		{"GetCredentialHolder", func(s *store) { s.errCredential = boom }},
		{"UseNonce", func(s *store) { s.errNonce = boom }},
		{"GetCredentialHolder person", func(s *store) { s.errPerson = boom }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.set(f.store)
			_, err := f.v.Verify(context.Background(), f.sign(t, f.now), "GET", testURL)
			if !errors.Is(err, boom) {
				t.Fatalf("Verify = %v, want the store's error", err)
			}
			for _, s := range []error{holder.ErrUnauthenticated, holder.ErrReplay, holder.ErrInactive} {
				if errors.Is(err, s) {
					t.Errorf("a store failure reported as %v", s)
				}
			}
		})
	}
}

// TestVerifyOrphanCredential: a credential whose person row is missing is
// a store that lost data, reported as the store's error, not as an
// unknown credential (a 401 nobody would look into) nor as an inactive
// holder.
func TestVerifyOrphanCredential(t *testing.T) {
	f := newFixture(t)
	delete(f.store.persons, "person-1")
	_, err := f.v.Verify(context.Background(), f.sign(t, f.now), "GET", testURL)
	if err == nil {
		t.Fatal("a proof of a credential without its person verified")
	}
	for _, s := range []error{holder.ErrUnauthenticated, holder.ErrReplay, holder.ErrInactive} {
		if errors.Is(err, s) {
			t.Errorf("a credential without its person reported as %v: %v", s, err)
		}
	}
}

// TestReplay: a proof is accepted once; after the store forgets its jti
// (2 × MaxAge after iat) it is too old to be accepted anyway.
func TestReplay(t *testing.T) {
	f := newFixture(t)
	proof := f.sign(t, f.now)
	if _, err := f.v.Verify(context.Background(), proof, "GET", testURL); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		after time.Duration
		want  error
	}{
		{0, holder.ErrReplay},
		{time.Minute, holder.ErrReplay},
		{time.Minute + time.Second, holder.ErrUnauthenticated},
		{2*time.Minute + time.Second, holder.ErrUnauthenticated},
		{time.Hour, holder.ErrUnauthenticated},
	} {
		f.now = t0.Add(tc.after)
		if _, err := f.v.Verify(context.Background(), proof, "GET", testURL); !errors.Is(err, tc.want) {
			t.Errorf("replay after %v: %v, want %v", tc.after, err, tc.want)
		}
	}
}

// TestReplayKey: the replay key is the credential and the jti: the same
// jti is a replay for the same credential even in a proof for another
// request, and not for another credential.
func TestReplayKey(t *testing.T) {
	f := newFixture(t)
	zeros := func() io.Reader { return strings.NewReader(strings.Repeat("\x00", 16)) }
	second := fixedKey(t, "second device")
	f.addCredential(t, "cred-0002", &second.PublicKey)
	verify := func(key *ecdsa.PrivateKey, cred, url string) error {
		p, err := holder.Sign(key, cred, "GET", url, f.now, zeros())
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.v.Verify(context.Background(), p, "GET", url)
		return err
	}
	if err := verify(f.device, credID, testURL); err != nil {
		t.Fatal(err)
	}
	if err := verify(second, "cred-0002", testURL); err != nil {
		t.Errorf("same jti, another credential: %v", err)
	}
	if err := verify(f.device, credID, testURL+"/status"); !errors.Is(err, holder.ErrReplay) {
		t.Errorf("same jti and credential, another URL: %v, want ErrReplay", err)
	}
}

// TestConcurrentReplay: 20 goroutines verify one proof; exactly one
// succeeds and the others see ErrReplay (run with -race).
func TestConcurrentReplay(t *testing.T) {
	const n = 20
	f := newFixture(t)
	proof := f.sign(t, f.now)
	var ok, replays atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			_, err := f.v.Verify(context.Background(), proof, "GET", testURL)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, holder.ErrReplay):
				replays.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 || replays.Load() != n-1 {
		t.Errorf("%d successes and %d replays, want 1 and %d", ok.Load(), replays.Load(), n-1)
	}
}

func TestVerifyDefaultClock(t *testing.T) {
	f := newFixture(t)
	f.v.Now = nil
	f.store.now = time.Now
	f.editCredential(credID, func(c *storage.Credential) { c.ExpiresAt = time.Now().Add(time.Hour) })
	p, err := holder.Sign(f.device, credID, "GET", testURL, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.v.Verify(context.Background(), p, "GET", testURL); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkVerify(b *testing.B) {
	f := newFixture(b)
	proofs := make([]string, b.N)
	for i := range proofs {
		proofs[i] = f.sign(b, f.now)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := f.v.Verify(context.Background(), proofs[i], "GET", testURL); err != nil {
			b.Fatal(err)
		}
	}
}
