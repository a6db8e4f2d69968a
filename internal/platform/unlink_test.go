package platform_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/internal/document"
)

// statusRef is the status list reference of an issued SD-JWT.
func statusRef(t testing.TB, sdjwt string) credential.Status {
	t.Helper()
	c, err := credential.DecodeUnverified(sdjwt)
	if err != nil {
		t.Fatal(err)
	}
	return c.Claims.Status
}

// TestStatusIndicesNotInIssuanceOrder issues 64 credentials one after the
// other and checks that their status list indices are not in issuance
// order. Drawn uniformly at random, 64 distinct indices come out in
// increasing or in decreasing order with probability 2/64! < 2·10^-89: the
// test cannot fail by chance. Indices handed out in sequence (which reveal
// the order and volume of issuance) always fail it.
func TestStatusIndicesNotInIssuanceOrder(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		const n = 64
		var indices []int64
		seen := map[int64]bool{}
		for range n {
			h := e.apply(adult(t))
			st := statusRef(t, h.credential)
			if !strings.HasSuffix(st.URI, "/status/1") {
				t.Fatalf("status list %s, want the first list", st.URI)
			}
			if seen[st.Index] {
				t.Fatalf("status index %d handed out twice", st.Index)
			}
			seen[st.Index] = true
			indices = append(indices, st.Index)
		}
		if slices.IsSorted(indices) {
			t.Fatalf("status indices follow the issuance order: %v", indices)
		}
		if slices.IsSortedFunc(indices, func(a, b int64) int { return int(b - a) }) {
			t.Fatalf("status indices follow the reverse issuance order: %v", indices)
		}
	})
}

// TestPresentationCarriesNoCredentialID checks that nothing a relying
// party receives holds the platform's credential ID: neither the
// issuer-signed JWT nor the key-binding JWT, in any claim.
func TestPresentationCarriesNoCredentialID(t *testing.T) {
	e := newEnv(t, "")
	h := e.apply(adult(t))
	p, err := credential.Present(h.credential, []string{"age_over_18"}, h.key, "https://shop.example", "n-1", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p, h.credentialID) {
		t.Fatal("the presentation holds the credential ID")
	}
	for i, part := range strings.Split(p, "~") {
		for _, seg := range strings.Split(part, ".") {
			b, err := base64.RawURLEncoding.DecodeString(seg)
			if err != nil {
				continue
			}
			if strings.Contains(string(b), h.credentialID) {
				t.Fatalf("part %d of the presentation holds the credential ID: %s", i, b)
			}
			var claims map[string]any
			if json.Unmarshal(b, &claims) == nil {
				if _, ok := claims["jti"]; ok {
					t.Fatalf("part %d of the presentation carries a jti: %s", i, b)
				}
			}
		}
	}
	c, err := credential.VerifyPresentation(p, credential.PresentationOptions{
		Keys: e.jwks(), Audience: "https://shop.example", Nonce: "n-1", Now: e.clock.Now(), MaxKBAge: time.Minute,
	})
	if err != nil {
		t.Fatalf("the presentation does not verify: %v", err)
	}
	if c.Claims.ID != "" {
		t.Fatalf("the verifier sees a credential ID %q", c.Claims.ID)
	}
}

// batchHolder is a holder with a batch: the credential's key and one key
// per batch credential.
type batchHolder struct {
	*holderKey
	keys  []*ecdsa.PrivateKey
	batch []string
}

// issueBatch proves a new device key and n batch keys and returns what
// was issued.
func (e *env) issueBatch(a app, v view, n int) (*batchHolder, response) {
	e.t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	h := &batchHolder{holderKey: &holderKey{key: key}}
	var proofs []string
	for range n {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		h.keys = append(h.keys, k)
		proofs = append(proofs, deviceProof(e.t, k, e.url, v.DeviceNonce, e.clock.Now()))
	}
	r := e.call("POST", "/v1/applications/"+a.ID+"/credential", a.Token, map[string]any{
		"proof": deviceProof(e.t, key, e.url, v.DeviceNonce, e.clock.Now()), "batch": proofs,
	})
	if r.status == http.StatusCreated {
		var issued api.IssuedCredential
		r.json(e.t, &issued)
		h.credentialID, h.wanghao, h.credential, h.batch = issued.CredentialID, issued.Wanghao, issued.Credential, issued.Batch
	}
	return h, r
}

// statusAt reads the status of an issued SD-JWT from its status list, as
// a relying party fetching it now would.
func statusAt(t *testing.T, e *env, sdjwt string) byte {
	t.Helper()
	st := statusRef(t, sdjwt)
	r := must(t, e.call("GET", strings.TrimPrefix(st.URI, e.url), "", nil), http.StatusOK)
	l, _, err := statuslist.Verify(string(r.body), e.jwks(), st.URI, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	v, err := l.Get(st.Index)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBatchIssuance: a wallet proving eight further keys receives eight
// credentials with the same claims, each bound to its key, at its own
// status index, without a jti, whose issuance and expiry times are those
// of the day; none of them is linkable to another by what a relying
// party receives, except for the claims the holder discloses.
func TestBatchIssuance(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	a := e.start(p.identity.Type)
	v := e.through(p, a, "device")
	if v.BatchSize != 8 {
		t.Fatalf("batch size offered %d, want the default 8", v.BatchSize)
	}
	h, r := e.issueBatch(a, v, 8)
	must(t, r, http.StatusCreated)
	if len(h.batch) != 8 {
		t.Fatalf("%d batch credentials, want 8", len(h.batch))
	}
	main, err := credential.Verify(h.credential, e.jwks(), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	indices := map[credential.Status]bool{main.Claims.Status: true}
	for i, sdjwt := range h.batch {
		c, err := credential.Verify(sdjwt, e.jwks(), e.clock.Now())
		if err != nil {
			t.Fatalf("batch credential %d: %v", i, err)
		}
		if thumb(t, c.Claims.Holder) != thumb(t, &jose.JSONWebKey{Key: h.keys[i].Public()}) {
			t.Fatalf("batch credential %d is not bound to its key", i)
		}
		if c.Claims.ID != "" || c.Claims.Wanghao != h.wanghao || !reflect.DeepEqual(c.Disclosed, main.Disclosed) {
			t.Fatalf("batch credential %d: %+v", i, c.Claims)
		}
		if indices[c.Claims.Status] {
			t.Fatalf("batch credential %d shares status index %+v", i, c.Claims.Status)
		}
		indices[c.Claims.Status] = true
		if c.Claims.IssuedAt.In(document.Zone).Format("15:04:05") != "00:00:00" ||
			c.Claims.ExpiresAt.In(document.Zone).Format("15:04:05") != "00:00:00" {
			t.Fatalf("batch credential %d carries the time of issuance: iat %v exp %v", i, c.Claims.IssuedAt, c.Claims.ExpiresAt)
		}
		// The holder presents it with its own key; a relying party
		// verifies it as any 网证.
		pr, err := credential.Present(sdjwt, []string{"age_over_18"}, h.keys[i], "https://shop.example", "n", e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := credential.VerifyPresentation(pr, credential.PresentationOptions{
			Keys: e.jwks(), Audience: "https://shop.example", Nonce: "n", Now: e.clock.Now(),
		}); err != nil {
			t.Fatalf("presentation of batch credential %d: %v", i, err)
		}
	}
}

// TestBatchRefused: more batch keys than the platform takes, the same key
// twice, the device key again, or a proof for another nonce are refused,
// and the application can still be completed.
func TestBatchRefused(t *testing.T) {
	e := newEnvWith(t, "", func(c *config.Config) { c.CredentialBatch = 2 })
	p := adult(t)
	a := e.start(p.identity.Type)
	v := e.through(p, a, "device")
	if v.BatchSize != 2 {
		t.Fatalf("batch size %d, want 2", v.BatchSize)
	}
	if _, r := e.issueBatch(a, v, 3); r.problemType(t) != "invalid-device-proof" {
		t.Fatalf("three batch keys for two: %d %s", r.status, r.body)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	twice := deviceProof(t, k, e.url, v.DeviceNonce, e.clock.Now())
	for name, batch := range map[string][]string{
		"same key twice": {twice, twice},
		"device key":     nil,
		"other nonce":    {deviceProof(t, k, e.url, "another-nonce", e.clock.Now())},
		"not a proof":    {"x.y.z"},
	} {
		key := k
		if name != "device key" {
			key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		} else {
			batch = []string{deviceProof(t, k, e.url, v.DeviceNonce, e.clock.Now())}
		}
		r := e.call("POST", "/v1/applications/"+a.ID+"/credential", a.Token, map[string]any{
			"proof": deviceProof(t, key, e.url, v.DeviceNonce, e.clock.Now()), "batch": batch,
		})
		if typ := r.problemType(t); typ != "invalid-device-proof" {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
	}
	h, r := e.issueBatch(a, v, 2)
	must(t, r, http.StatusCreated)
	if len(h.batch) != 2 {
		t.Fatalf("%d batch credentials", len(h.batch))
	}
}

// TestBatchSharesStatus: suspending, resuming and revoking the 网证
// changes the status of every batch credential at once, as relying
// parties read it from the status lists.
func TestBatchSharesStatus(t *testing.T) {
	e := lifecycleEnv(t)
	p := adult(t)
	a := e.start(p.identity.Type)
	h, r := e.issueBatch(a, e.through(p, a, "device"), 8)
	must(t, r, http.StatusCreated)
	all := append([]string{h.credential}, h.batch...)
	check := func(what string, want byte) {
		t.Helper()
		for i, sdjwt := range all {
			if got := statusAt(t, e, sdjwt); got != want {
				t.Fatalf("%s: credential %d of the batch has status %d, want %d", what, i, got, want)
			}
		}
	}
	check("issued", statuslist.Valid)
	must(t, e.holderCall(h.holderKey, "POST", "/v1/holder/suspend", map[string]any{"password": p.password}), http.StatusOK)
	check("suspended by the holder", statuslist.Suspended)
	must(t, e.holderCall(h.holderKey, "POST", "/v1/holder/resume", map[string]any{"password": p.password}), http.StatusOK)
	check("resumed", statuslist.Valid)
	must(t, e.admin("POST", h.wanghao+"/revoke", map[string]any{"reason": "测试"}), http.StatusOK)
	check("revoked by an operator", statuslist.Invalid)
}

// TestBatchRevokedByNewCredential: a new credential (a new device)
// revokes the earlier one and its whole batch.
func TestBatchRevokedByNewCredential(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	a := e.start(p.identity.Type)
	h, r := e.issueBatch(a, e.through(p, a, "device"), 3)
	must(t, r, http.StatusCreated)
	e.apply(p) // applying again from the document issues a new credential
	for i, sdjwt := range append([]string{h.credential}, h.batch...) {
		if got := statusAt(t, e, sdjwt); got != statuslist.Invalid {
			t.Fatalf("credential %d of the earlier batch has status %d, want revoked", i, got)
		}
	}
}

// TestRacingBatchIssuances: two applications issuing credentials and
// batches at once never share a status index.
func TestRacingBatchIssuances(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		const n = 2
		apps := make([]app, n)
		views := make([]view, n)
		for i := range n {
			p := adult(t)
			apps[i] = e.start(p.identity.Type)
			views[i] = e.through(p, apps[i], "device")
		}
		holders := make([]*batchHolder, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				var r response
				holders[i], r = e.issueBatch(apps[i], views[i], 8)
				if r.status != http.StatusCreated {
					t.Errorf("issuance %d: %d %s", i, r.status, r.body)
				}
			})
		}
		close(start)
		wg.Wait()
		seen := map[credential.Status]bool{}
		for _, h := range holders {
			for _, sdjwt := range append([]string{h.credential}, h.batch...) {
				st := statusRef(t, sdjwt)
				if seen[st] {
					t.Fatalf("status index %+v handed out twice", st)
				}
				seen[st] = true
			}
		}
		if len(seen) != 2*9 {
			t.Fatalf("%d status indices, want 18", len(seen))
		}
	})
}

// refreshProofs are proofs of possession of n new keys for a new batch of
// h's credential.
func (e *env) refreshProofs(h *holderKey, n int, nonce string) ([]*ecdsa.PrivateKey, []string) {
	e.t.Helper()
	var keys []*ecdsa.PrivateKey
	var proofs []string
	for range n {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		keys = append(keys, k)
		proofs = append(proofs, deviceProof(e.t, k, e.url, nonce, e.clock.Now()))
	}
	return keys, proofs
}

// TestBatchRefresh: a holder gets a new batch for their active credential
// (its keys proven, at most the batch size, with the credential's ID as
// nonce), at new status indices, sharing the credential's status; at most
// four a day; none for a suspended credential.
func TestBatchRefresh(t *testing.T) {
	e := lifecycleEnv(t)
	p := adult(t)
	a := e.start(p.identity.Type)
	h, r := e.issueBatch(a, e.through(p, a, "device"), 8)
	must(t, r, http.StatusCreated)
	seen := map[credential.Status]bool{}
	for _, sdjwt := range append([]string{h.credential}, h.batch...) {
		seen[statusRef(t, sdjwt)] = true
	}

	_, nine := e.refreshProofs(h.holderKey, 9, h.credentialID)
	if typ := e.holderCall(h.holderKey, "POST", "/v1/holder/batch", map[string]any{"proofs": nine}).problemType(t); typ != "invalid-device-proof" {
		t.Fatalf("nine keys for a batch of eight: %s", typ)
	}
	_, wrongNonce := e.refreshProofs(h.holderKey, 2, "another-nonce")
	if typ := e.holderCall(h.holderKey, "POST", "/v1/holder/batch", map[string]any{"proofs": wrongNonce}).problemType(t); typ != "invalid-device-proof" {
		t.Fatalf("proofs for another nonce: %s", typ)
	}
	if typ := e.holderCall(h.holderKey, "POST", "/v1/holder/batch", map[string]any{"proofs": []string{}}).problemType(t); typ != "invalid-device-proof" {
		t.Fatalf("no proofs: %s", typ)
	}

	for round := range 4 {
		keys, proofs := e.refreshProofs(h.holderKey, 8, h.credentialID)
		var b api.Batch
		must(t, e.holderCall(h.holderKey, "POST", "/v1/holder/batch", map[string]any{"proofs": proofs}), http.StatusOK).json(t, &b)
		if len(b.Batch) != 8 {
			t.Fatalf("round %d: %d batch credentials", round, len(b.Batch))
		}
		for i, sdjwt := range b.Batch {
			c, err := credential.Verify(sdjwt, e.jwks(), e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if thumb(t, c.Claims.Holder) != thumb(t, &jose.JSONWebKey{Key: keys[i].Public()}) || c.Claims.Wanghao != h.wanghao {
				t.Fatalf("round %d: batch credential %d: %+v", round, i, c.Claims)
			}
			if seen[c.Claims.Status] {
				t.Fatalf("round %d: status index %+v handed out again", round, c.Claims.Status)
			}
			seen[c.Claims.Status] = true
			h.batch = append(h.batch, sdjwt)
		}
	}
	_, proofs := e.refreshProofs(h.holderKey, 8, h.credentialID)
	if r := e.holderCall(h.holderKey, "POST", "/v1/holder/batch", map[string]any{"proofs": proofs}); r.problemType(t) != "batch-limit" || r.status != http.StatusTooManyRequests {
		t.Fatalf("a fifth batch in a day: %d %s", r.status, r.body)
	}

	must(t, e.holderCall(h.holderKey, "POST", "/v1/holder/suspend", map[string]any{"password": p.password}), http.StatusOK)
	for i, sdjwt := range h.batch {
		if got := statusAt(t, e, sdjwt); got != statuslist.Suspended {
			t.Fatalf("batch credential %d after suspension: status %d", i, got)
		}
	}
	_, proofs = e.refreshProofs(h.holderKey, 2, h.credentialID)
	if r := e.holderCall(h.holderKey, "POST", "/v1/holder/batch", map[string]any{"proofs": proofs}); r.status < 400 || r.status >= 500 {
		t.Fatalf("a new batch for a suspended credential: %d %s", r.status, r.body)
	}
}
