package counter_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/counter"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/storage"
)

// fakeStore is the register and the one-time values, in memory.
type fakeStore struct {
	mu       sync.Mutex
	counters map[string]storage.Counter
	nonces   map[string]bool
}

func newFake() *fakeStore {
	return &fakeStore{counters: map[string]storage.Counter{}, nonces: map[string]bool{}}
}

func (f *fakeStore) CreateCounter(_ context.Context, c storage.Counter) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.counters[c.ID]; ok {
		return storage.ErrAlreadyExists
	}
	f.counters[c.ID] = c
	return nil
}

func (f *fakeStore) GetCounter(_ context.Context, id string) (storage.Counter, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.counters[id]
	if !ok {
		return c, storage.ErrNotFound
	}
	return c, nil
}

func (f *fakeStore) ListCounters(context.Context) ([]storage.Counter, error) { return nil, nil }

func (f *fakeStore) UpdateCounter(_ context.Context, id string, fn func(storage.Counter) (storage.Counter, error)) (storage.Counter, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.counters[id]
	if !ok {
		return c, storage.ErrNotFound
	}
	c, err := fn(c)
	if err != nil {
		return c, err
	}
	f.counters[id] = c
	return c, nil
}

func (f *fakeStore) UseNonce(_ context.Context, key string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nonces[key] {
		return storage.ErrAlreadyExists
	}
	f.nonces[key] = true
	return nil
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func jwkOf(t testing.TB, pub any) []byte {
	b, err := jose.JSONWebKey{Key: pub}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParseKey(t *testing.T) {
	k := newKey(t)
	spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "counter"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	private, _ := jose.JSONWebKey{Key: k}.MarshalJSON()
	want, _ := counter.Thumbprint(jose.JSONWebKey{Key: &k.PublicKey})
	for _, tc := range []struct {
		name    string
		in      []byte
		ok, der bool
	}{
		{"jwk", jwkOf(t, &k.PublicKey), true, false},
		{"pem public key", pemOf("PUBLIC KEY", spki), true, false},
		{"certificate", pemOf("CERTIFICATE", cert), true, true},
		{"private jwk", private, false, false},
		{"rsa", jwkOf(t, &rsaKey.PublicKey), false, false},
		{"p-384", jwkOf(t, &p384.PublicKey), false, false},
		{"private pem", pemOf("EC PRIVATE KEY", []byte{1}), false, false},
		{"two blocks", append(pemOf("PUBLIC KEY", spki), pemOf("PUBLIC KEY", spki)...), false, false},
		{"garbage", []byte("hello"), false, false},
		{"empty", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jwk, der, err := counter.ParseKey(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseKey: %v, want ok=%v", err, tc.ok)
			}
			if !tc.ok {
				return
			}
			if got, _ := counter.Thumbprint(jwk); got != want {
				t.Errorf("thumbprint %s, want %s", got, want)
			}
			if (len(der) > 0) != tc.der {
				t.Errorf("certificate DER returned: %v, want %v", len(der) > 0, tc.der)
			}
		})
	}
}

// A private key given for the public one, as a JWK or in any PEM form of
// one (netid counter keygen writes an SM2 key's as PEM PKCS #8), is
// refused as a private key.
func TestParseKeyPrivate(t *testing.T) {
	k := newKey(t)
	private, _ := jose.JSONWebKey{Key: k}.MarshalJSON()
	for _, in := range [][]byte{
		private,
		pemOf("PRIVATE KEY", []byte{1}),
		pemOf("EC PRIVATE KEY", []byte{1}),
		pemOf("ENCRYPTED PRIVATE KEY", []byte{1}),
	} {
		if _, _, err := counter.ParseKey(in); err == nil || !strings.Contains(err.Error(), "private key; give the public key only") {
			t.Errorf("ParseKey(%.30q): %v", in, err)
		}
	}
}

func TestRegistry(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	reg := &counter.Registry{Store: f}
	k := newKey(t)
	c, err := reg.Add(ctx, counter.Registration{ID: "hall-1", Name: " 政务服务大厅 ", Kind: counter.KindServiceHall, LegalBasis: "《国家网络身份认证公共服务管理办法》", Key: jwkOf(t, &k.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "政务服务大厅" || c.State != storage.CounterActive || c.KeyID == "" {
		t.Fatalf("added: %+v", c)
	}
	if _, err := reg.Add(ctx, counter.Registration{ID: "hall-1", Name: "x", Kind: counter.KindServiceHall, LegalBasis: "x", Key: jwkOf(t, &k.PublicKey)}); !errors.Is(err, counter.ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	_, err = reg.Add(ctx, counter.Registration{ID: "A", Kind: "bank"})
	ve, ok := errors.AsType[*counter.ValidationError](err)
	if !ok || len(ve.Problems) != 5 {
		t.Fatalf("invalid registration: %v", err)
	}
	if _, err := reg.Disable(ctx, "hall-1", ""); err == nil {
		t.Fatal("disable without a reason")
	}
	if c, err = reg.Disable(ctx, "hall-1", "closed"); err != nil || c.State != storage.CounterDisabled || c.DisabledAt.IsZero() {
		t.Fatalf("disable: %+v %v", c, err)
	}
	if _, err := reg.Disable(ctx, "hall-1", "closed"); !errors.Is(err, counter.ErrAlreadyDisabled) {
		t.Fatalf("disable again: %v", err)
	}
	if _, err := reg.Disable(ctx, "nope-1", "closed"); !errors.Is(err, counter.ErrNotFound) {
		t.Fatalf("disable a stranger: %v", err)
	}
}

const issuer = "https://netid.example"

func claims(id string, now time.Time) counter.Claims {
	h := sha256.Sum256([]byte("face"))
	return counter.Claims{
		Issuer: id, Audience: issuer, IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Minute).Unix(),
		ID: "jti-0123456789abcdef", DocumentType: document.ResidentIDCard, Chip: []byte(`{"dg1":"a","dg2":"b","sod":"c"}`),
		Face:   counter.Face{Result: counter.FaceMatch, Score: 0.9, ImageHash: base64.RawURLEncoding.EncodeToString(h[:])},
		Finish: counter.FinishWallet,
	}
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_760_000_000, 0)
	f := newFake()
	k := newKey(t)
	reg := &counter.Registry{Store: f, Now: func() time.Time { return now }}
	if _, err := reg.Add(ctx, counter.Registration{ID: "desk-1", Name: "desk", Kind: counter.KindPoliceStation, LegalBasis: "law", Key: jwkOf(t, &k.PublicKey)}); err != nil {
		t.Fatal(err)
	}
	v := &counter.Verifier{Store: f, Issuer: issuer, Threshold: 0.8, Now: func() time.Time { return now }}
	sign := func(key *ecdsa.PrivateKey, adjust func(*counter.Claims)) string {
		c := claims("desk-1", now)
		if adjust != nil {
			adjust(&c)
		}
		tok, err := counter.Sign(key, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(k, nil)
	sub, err := v.Verify(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Counter.ID != "desk-1" || sub.FaceImageHash != sha256.Sum256([]byte("face")) {
		t.Fatalf("submission: %+v", sub)
	}
	if _, err := v.Verify(ctx, good); !errors.Is(err, counter.ErrReplayed) {
		t.Fatalf("replay: %v", err)
	}
	for _, tc := range []struct {
		name string
		tok  string
		want error
	}{
		{"forged", sign(newKey(t), func(c *counter.Claims) { c.ID += "1" }), counter.ErrBadSignature},
		{"audience", sign(k, func(c *counter.Claims) { c.ID += "2"; c.Audience = "https://evil.example" }), counter.ErrMalformed},
		{"future", sign(k, func(c *counter.Claims) { c.ID += "3"; c.IssuedAt += 120; c.ExpiresAt += 120 }), counter.ErrStale},
		{"old", sign(k, func(c *counter.Claims) { c.ID += "4"; c.IssuedAt -= 400; c.ExpiresAt = c.IssuedAt + 1 }), counter.ErrStale},
		{"long-lived", sign(k, func(c *counter.Claims) { c.ID += "5"; c.ExpiresAt = c.IssuedAt + 3600 }), counter.ErrStale},
		{"low score", sign(k, func(c *counter.Claims) { c.ID += "6"; c.Face.Score = 0.5 }), counter.ErrFace},
		{"no match", sign(k, func(c *counter.Claims) { c.ID += "7"; c.Face.Result = "no_match" }), counter.ErrFace},
		{"iss differs", func() string {
			c := claims("desk-2", now)
			tok, err := jws.SignClaims(k, counter.SubmissionType, "desk-1", c)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}(), counter.ErrMalformed},
		{"other type", func() string {
			tok, err := jws.SignClaims(k, "netid-holder+jwt", "desk-1", claims("desk-1", now))
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}(), counter.ErrMalformed},
		{"finish", sign(k, func(c *counter.Claims) { c.ID += "9"; c.Finish = "later" }), counter.ErrMalformed},
		{"short jti", sign(k, func(c *counter.Claims) { c.ID = "short" }), counter.ErrMalformed},
		{"hash", sign(k, func(c *counter.Claims) { c.ID += "a"; c.Face.ImageHash = "abc" }), counter.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := v.Verify(ctx, tc.tok); !errors.Is(err, tc.want) {
				t.Fatalf("Verify: %v, want %v", err, tc.want)
			}
		})
	}
	// A failed check uses nothing up: the same jti passes once the
	// counter is right.
	if _, err := v.Verify(ctx, sign(k, func(c *counter.Claims) { c.ID += "6" })); err != nil {
		t.Fatalf("the jti of a refused submission: %v", err)
	}
	if _, err := reg.Disable(ctx, "desk-1", "closed"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, sign(k, func(c *counter.Claims) { c.ID += "b" })); !errors.Is(err, counter.ErrDisabled) {
		t.Fatalf("disabled: %v", err)
	}
}

// FuzzParse: the submission parser takes arbitrary text without panicking,
// and whatever it accepts has the checked form: kid and iss agree, a
// legal document type, a 32-byte face image hash, a known finish.
func FuzzParse(f *testing.F) {
	k := newKey(f)
	now := time.Unix(1_760_000_000, 0)
	good, err := counter.Sign(k, claims("desk-1", now))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add(good + "x")
	f.Add(`eyJhbGciOiJFUzI1NiIsInR5cCI6Im5ldGlkLWNvdW50ZXItYXBwbGljYXRpb24rand0Iiwia2lkIjoiZGVzay0xIn0.e30.AAAA`)
	f.Fuzz(func(t *testing.T, tok string) {
		tk, c, hash, err := counter.Parse(tok)
		if err != nil {
			if !errors.Is(err, counter.ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if c.Issuer != tk.Header.KeyID || !c.DocumentType.Valid() ||
			(c.Finish != counter.FinishWallet && c.Finish != counter.FinishWanghao) {
			t.Fatalf("accepted claims: %+v", c)
		}
		if base64.RawURLEncoding.EncodeToString(hash[:]) != c.Face.ImageHash {
			t.Fatalf("hash %x does not match %q", hash, c.Face.ImageHash)
		}
	})
}

// A counter registered with a certificate is trusted within the
// certificate's validity only, as a document signer is; an expired
// certificate is not registered.
func TestCertificateValidity(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_760_000_000, 0)
	clock := now
	f := newFake()
	k := newKey(t)
	cert := func(from, until time.Time) []byte {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "desk"}, NotBefore: from, NotAfter: until}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			t.Fatal(err)
		}
		return pemOf("CERTIFICATE", der)
	}
	reg := &counter.Registry{Store: f, Now: func() time.Time { return clock }}
	_, err := reg.Add(ctx, counter.Registration{ID: "old-1", Name: "old", Kind: counter.KindServiceHall, LegalBasis: "law", Key: cert(now.Add(-48*time.Hour), now.Add(-time.Hour))})
	if _, ok := errors.AsType[*counter.ValidationError](err); !ok {
		t.Fatalf("an expired certificate registered: %v", err)
	}
	if _, err := reg.Add(ctx, counter.Registration{ID: "desk-1", Name: "desk", Kind: counter.KindServiceHall, LegalBasis: "law", Key: cert(now.Add(-time.Hour), now.Add(time.Hour))}); err != nil {
		t.Fatal(err)
	}
	v := &counter.Verifier{Store: f, Issuer: issuer, Now: func() time.Time { return clock }}
	sign := func(jti string) string {
		c := claims("desk-1", clock)
		c.ID += jti
		tok, err := counter.Sign(k, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if _, err := v.Verify(ctx, sign("a")); err != nil {
		t.Fatalf("within the certificate's validity: %v", err)
	}
	clock = now.Add(2 * time.Hour)
	if _, err := v.Verify(ctx, sign("b")); !errors.Is(err, counter.ErrCertificate) {
		t.Fatalf("after the certificate expired: %v", err)
	}
}
