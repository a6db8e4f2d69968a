package replicatest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/internal/loadgen"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/wallet"
)

// rp is a relying party registered for the tests, as its servers see it.
type rp struct {
	id, secret string
	key        *ecdsa.PrivateKey
	kid        string
}

// registerRP registers a relying party authenticating with method.
func registerRP(t *testing.T, core *platform.Core, name, method string) rp {
	t.Helper()
	r := rp{id: name}
	reg := relyingparty.Registration{
		ID: name, Name: "副本测试 " + name, Category: storage.CategoryInternetService,
		Domains: []string{name + ".example"}, AllowedClaims: []string{"age_over_18"}, AuthMethod: method,
	}
	if method == storage.AuthPrivateKeyJWT {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		r.key, r.kid = key, name+"-1"
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: r.kid, Algorithm: string(jose.ES256), Use: "sig"}}}
		if reg.JWKS, err = json.Marshal(set); err != nil {
			t.Fatal(err)
		}
	}
	_, secret, err := core.Registry.Register(context.Background(), reg)
	if err != nil {
		t.Fatal(err)
	}
	r.secret = secret
	return r
}

// authorization is the Authorization header of one request: the secret,
// or a fresh client assertion.
func (r rp) authorization(t *testing.T) string {
	t.Helper()
	if r.key == nil {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(r.id)+":"+url.QueryEscape(r.secret)))
	}
	a, err := relyingparty.ClientAssertion(r.key, r.kid, r.id, publicURL, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + a
}

var sessionRequest = api.VerificationRequest{Level: "possession", Claims: []string{"age_over_18"}, Purpose: "副本测试：核验年满18岁"}

// create creates a session at replica r.
func create(t *testing.T, r *replica, p rp) api.VerificationCreated {
	t.Helper()
	var s api.VerificationCreated
	call(t, r, http.MethodPost, "/v1/verifications", p.authorization(t), sessionRequest).want(t, http.StatusCreated, &s)
	return s
}

// poll reads a session at replica r.
func poll(t *testing.T, r *replica, p rp, id string) api.VerificationStatus {
	t.Helper()
	var st api.VerificationStatus
	call(t, r, http.MethodGet, "/v1/verifications/"+url.PathEscape(id), p.authorization(t), nil).want(t, http.StatusOK, &st)
	return st
}

// approve opens the session with code at replica r and approves it there.
func approve(t *testing.T, r *replica, u *wallet.Unlocked, code string) {
	t.Helper()
	ctx := context.Background()
	if _, err := r.wc.OpenVerification(ctx, u, code); err != nil {
		t.Fatalf("opening at replica %s: %v", r.name, err)
	}
	ans, err := r.wc.AnswerVerification(ctx, u, api.AnswerRequest{Code: code, Decision: api.DecisionApprove})
	if err != nil {
		t.Fatalf("approving at replica %s: %v", r.name, err)
	}
	if ans.State != api.SessionApproved {
		t.Fatalf("approving at replica %s: state %s", r.name, ans.State)
	}
}

// jwks fetches the JWKS replica r publishes.
func jwks(t *testing.T, r *replica) jose.JSONWebKeySet {
	t.Helper()
	set, err := r.wc.JWKS(context.Background())
	if err != nil {
		t.Fatalf("JWKS of replica %s: %v", r.name, err)
	}
	return set
}

// resultKID checks a signed result against set and returns its kid.
func resultKID(t *testing.T, result string, set jose.JSONWebKeySet) string {
	t.Helper()
	obj, err := jose.ParseSignedCompact(result, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	kid := obj.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) == 0 {
		t.Fatalf("the result is signed with key %s, which the other replica does not publish", kid)
	}
	if _, err := obj.Verify(keys[0]); err != nil {
		t.Fatalf("the result does not verify with key %s: %v", kid, err)
	}
	return kid
}

// TestReplicas runs two replicas on one database and checks, in turn,
// what would break if one of them kept in memory what the other needs.
func TestReplicas(t *testing.T) {
	c := newCluster(t)
	core := c.core()
	ctx := context.Background()
	shop := registerRP(t, core, "shop", storage.AuthClientSecret)
	signed := registerRP(t, core, "signed", storage.AuthPrivateKeyJWT)
	holders, err := loadgen.Holders(ctx, c.a.wc, t.TempDir(), 8)
	if err != nil {
		t.Fatal(err)
	}
	a, b := c.a, c.b

	t.Run("session", func(t *testing.T) {
		// Created at A, opened and approved at B, polled at A.
		s := create(t, a, shop)
		approve(t, b, holders[0], s.Code)
		st := poll(t, a, shop, s.ID)
		if st.State != api.SessionApproved || st.Result == "" {
			t.Fatalf("polled at A: state %s, result %q", st.State, st.Result)
		}
		resultKID(t, st.Result, jwks(t, b))
		if again := poll(t, b, shop, s.ID); again.State != api.SessionApproved || again.Result != st.Result {
			t.Fatalf("polled at B: state %s, another result", again.State)
		}
		// A code claimed at B cannot be claimed again at A.
		if _, err := a.wc.OpenVerification(ctx, holders[1], s.Code); err == nil {
			t.Fatal("a code claimed at B opened again at A")
		}
	})

	t.Run("client assertion replayed", func(t *testing.T) {
		authz := signed.authorization(t)
		call(t, a, http.MethodPost, "/v1/verifications", authz, sessionRequest).want(t, http.StatusCreated, nil)
		if got := call(t, b, http.MethodPost, "/v1/verifications", authz, sessionRequest); got.status != http.StatusUnauthorized {
			t.Fatalf("the assertion used at A, replayed to B: %d %s, want 401", got.status, got.body)
		}
	})

	t.Run("holder proof replayed", func(t *testing.T) {
		rec := &recorder{next: a.hc.Transport}
		wc := &wallet.Client{BaseURL: publicURL, HTTP: &http.Client{Transport: rec}}
		if _, err := wc.History(ctx, holders[2], 0, 10); err != nil {
			t.Fatal(err)
		}
		req := rec.last
		if req == nil || !hasProof(req.Header) {
			t.Fatal("the wallet's request carried no holder proof")
		}
		replay, err := http.NewRequest(req.Method, req.URL.String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		replay.Header = req.Header.Clone()
		resp, err := b.hc.Do(replay)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a holder proof used at A, replayed to B: %d, want 401", resp.StatusCode)
		}
	})

	t.Run("record chain", func(t *testing.T) {
		before, err := audit.Verify(ctx, core.Store, jwks(t, a))
		if err != nil {
			t.Fatal(err)
		}
		// Six holders at once, each approving at A and B in turn: the
		// verification records are appended by both processes at once.
		const workers, each = 6, 5
		authz := shop.authorization(t) // a client secret: reusable
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Go(func() {
				for k := range each {
					at, other := a, b
					if (w+k)%2 == 1 {
						at, other = b, a
					}
					if err := verifyOnce(ctx, other, at, authz, holders[w]); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rep, err := audit.Verify(ctx, core.Store, jwks(t, b))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) > 0 {
			t.Fatalf("the record log does not verify after concurrent appends from two replicas: %v", rep.Problems)
		}
		if got := rep.Records - before.Records; got != workers*each {
			t.Fatalf("%d records appended, want %d", got, workers*each)
		}
	})

	t.Run("password lockout", func(t *testing.T) {
		// Five wrong passwords in a row lock the holder's password,
		// wherever they were tried: three at A, two at B, then the right
		// one is refused at either.
		u := holders[6]
		try := func(r *replica, pw string) error {
			var s api.VerificationCreated
			req := sessionRequest
			req.Level = string(api.LevelPassword)
			call(t, r, http.MethodPost, "/v1/verifications", shop.authorization(t), req).want(t, http.StatusCreated, &s)
			if _, err := r.wc.OpenVerification(ctx, u, s.Code); err != nil {
				t.Fatalf("opening at %s: %v", r.name, err)
			}
			_, err := r.wc.AnswerVerification(ctx, u, api.AnswerRequest{Code: s.Code, Decision: api.DecisionApprove, Password: pw})
			return err
		}
		for i, r := range []*replica{a, b, a, b, a} {
			if err := try(r, "00000000"); err == nil {
				t.Fatalf("wrong password %d accepted at %s", i+1, r.name)
			}
		}
		for _, r := range []*replica{a, b} {
			var apiErr *wallet.APIError
			if err := try(r, loadgen.HolderPassword); !errors.As(err, &apiErr) || !strings.HasSuffix(apiErr.Type, "/password-locked") {
				t.Fatalf("the right password at %s after five wrong ones across both: %v, want password-locked", r.name, err)
			}
		}
	})

	t.Run("status list", func(t *testing.T) {
		u := holders[7]
		cred, err := credential.Verify(u.Credential, jwks(t, a), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		st := cred.Claims.Status
		if !strings.HasPrefix(st.URI, publicURL) {
			t.Fatalf("status list URI %s", st.URI)
		}
		if v := status(t, b, st); v != 0 {
			t.Fatalf("status %d before any change", v)
		}
		// B now caches the list; the holder suspends through A.
		if _, err := a.wc.Suspend(ctx, u, loadgen.HolderPassword, ""); err != nil {
			t.Fatal(err)
		}
		if v := status(t, a, st); v == 0 {
			t.Fatal("A's list does not show the suspension made through it")
		}
		// B shows it once its cached list (1s) expires.
		start := time.Now()
		for status(t, b, st) == 0 {
			if time.Since(start) > 15*time.Second {
				t.Fatalf("B's status list does not show a suspension made through A after %s (its time-to-live is %s)", time.Since(start).Round(time.Second), c.cfg.StatusTTL)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("key rotation", func(t *testing.T) {
		// An operator rotates the keys (netid admin keys rotate): a
		// third process on the database.
		newKID, err := core.Keys.Rotate(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		// Verifications alternate between the replicas until both sign
		// with the new key. Whatever a replica signs verifies with the
		// JWKS the other published before it signed.
		signedNew := map[string]bool{}
		start := time.Now()
		for i := 0; len(signedNew) < 2; i++ {
			at, other := a, b
			if i%2 == 1 {
				at, other = b, a
			}
			before := jwks(t, other)
			s := create(t, at, shop)
			approve(t, at, holders[i%4], s.Code)
			st := poll(t, at, shop, s.ID)
			if kid := resultKID(t, st.Result, before); kid == newKID {
				signedNew[at.name] = true
			}
			if time.Since(start) > 30*time.Second {
				t.Fatalf("after %s only %v sign with the rotated key (reload %s, propagation %s)",
					time.Since(start).Round(time.Second), signedNew, keyReload, platform.KeyPropagationFactor*keyReload)
			}
		}
		for _, r := range []*replica{a, b} {
			kids := []string{}
			for _, k := range jwks(t, r).Keys {
				kids = append(kids, k.KeyID)
			}
			if !slices.Contains(kids, newKID) {
				t.Errorf("replica %s does not publish %s: %v", r.name, newKID, kids)
			}
		}
	})
}

// verifyOnce creates a session at create with the reusable
// authorization authz, has u approve it at answer and polls it at create.
// It returns errors rather than failing the test, for goroutines.
func verifyOnce(ctx context.Context, create, answer *replica, authz string, u *wallet.Unlocked) error {
	var s api.VerificationCreated
	if err := do(create, http.MethodPost, "/v1/verifications", authz, sessionRequest).into(http.StatusCreated, &s); err != nil {
		return fmt.Errorf("creating at %s: %w", create.name, err)
	}
	if _, err := answer.wc.OpenVerification(ctx, u, s.Code); err != nil {
		return fmt.Errorf("opening at %s: %w", answer.name, err)
	}
	if _, err := answer.wc.AnswerVerification(ctx, u, api.AnswerRequest{Code: s.Code, Decision: api.DecisionApprove}); err != nil {
		return fmt.Errorf("approving at %s: %w", answer.name, err)
	}
	var st api.VerificationStatus
	if err := do(create, http.MethodGet, "/v1/verifications/"+url.PathEscape(s.ID), authz, nil).into(http.StatusOK, &st); err != nil {
		return fmt.Errorf("polling at %s: %w", create.name, err)
	}
	if st.State != api.SessionApproved {
		return fmt.Errorf("session %s: state %s", s.ID, st.State)
	}
	return nil
}

// recorder keeps the last request it passes on.
type recorder struct {
	next http.RoundTripper
	last *http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.last = req.Clone(req.Context())
	return r.next.RoundTrip(req)
}

// hasProof reports whether h carries a holder proof (a compact JWS in a
// header other than the usual ones).
func hasProof(h http.Header) bool {
	for name, v := range h {
		if name != "Authorization" && len(v) == 1 && strings.Count(v[0], ".") == 2 && strings.HasPrefix(v[0], "ey") {
			return true
		}
	}
	return false
}

// status reads the credential's entry in the status list replica r serves.
func status(t *testing.T, r *replica, st credential.Status) byte {
	t.Helper()
	ctx := context.Background()
	token, err := r.wc.StatusListToken(ctx, st.URI)
	if err != nil {
		t.Fatalf("status list at replica %s: %v", r.name, err)
	}
	list, _, err := statuslist.Verify(token, jwks(t, r), st.URI, time.Now())
	if err != nil {
		t.Fatalf("status list at replica %s: %v", r.name, err)
	}
	v, err := list.Get(st.Index)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
