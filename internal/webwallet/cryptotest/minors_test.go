package cryptotest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/webwallet/pagetest"
)

// goWallet is a credential held by a Go key (the CLI wallet's way), for
// the guardian.
type goWallet struct {
	key    *ecdsa.PrivateKey
	issued api.IssuedCredential
}

// proof is a holder proof of w for one request.
func (e *env) proof(w goWallet, method, path string) string {
	e.T.Helper()
	p, err := holder.Sign(w.key, w.issued.CredentialID, method, e.URL+path, time.Now(), rand.Reader)
	if err != nil {
		e.T.Fatal(err)
	}
	return "proof " + p
}

// goIssue proves a Go device key for app, as the CLI wallet does.
func (e *env) goIssue(app api.StartedApplication, v api.Application) goWallet {
	e.T.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		e.T.Fatal(err)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{EmbedJWK: true}).WithType(credential.DeviceProofType))
	if err != nil {
		e.T.Fatal(err)
	}
	payload, _ := json.Marshal(map[string]any{"aud": e.URL, "nonce": v.DeviceNonce, "iat": time.Now().Unix()})
	sig, err := s.Sign(payload)
	if err != nil {
		e.T.Fatal(err)
	}
	proof, err := sig.CompactSerialize()
	if err != nil {
		e.T.Fatal(err)
	}
	var w goWallet
	w.key = key
	e.Call("POST", "/v1/applications/"+app.ID+"/credential", app.Token, map[string]any{"proof": proof}, &w.issued, http.StatusCreated)
	return w
}

// TestBrowserUnder14PresentsGuardianConsent: a guardian applies for an
// 11-year-old whose wallet is the browser; after the guardian consents to
// a relying party, the child's page fetches the consent statements,
// picks the one for its key by RFC 7638 thumbprint, and presents the
// credential (and a batch credential with its own key) with the statement
// in the key-binding JWT; the relying party's verifier accepts both, and
// refuses the presentation without it.
func TestBrowserUnder14PresentsGuardianConsent(t *testing.T) {
	e := newEnv(t)
	p := openPage(t, e)

	parentApp, pv := e.applyUntilDevice(pagetest.NewApplicant(t))
	parent := e.goIssue(parentApp, pv)

	today := document.Today(time.Now())
	child := pagetest.NewApplicantBorn(t, document.DateOf(today.Time().AddDate(-11, -6, 0)))
	var app api.StartedApplication
	e.Call("POST", "/v1/applications", e.proof(parent, "POST", "/v1/applications"),
		map[string]any{"document_type": child.Identity.Type, "on_behalf": true}, &app, http.StatusCreated)
	chip, err := e.P.Server.Dev.Documents.Mint(child.Identity, child.Face, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.Call("PUT", "/v1/applications/"+app.ID+"/document", app.Token, map[string]any{"chip": chip}, nil, http.StatusOK)
	ev, err := e.P.Server.Dev.Relationships.Attest(guardian.Claim{
		Guardian: parent.issued.Wanghao, ChildRef: guardian.ChildRef(app.ID, child.Identity.Type, child.Identity.Number), Relationship: "parent",
	}, time.Now(), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	e.Call("PUT", "/v1/applications/"+app.ID+"/relationship", app.Token, map[string]any{"evidence": ev}, nil, http.StatusOK)
	v := e.Walk(child, app, "device")
	_, issued := browserIssue(t, e, p, app, v)
	if len(issued.Batch) == 0 {
		t.Fatal("no batch credential")
	}

	if _, _, err := e.P.Registry.Register(context.Background(), relyingparty.Registration{
		ID: "game", Name: "平台 game", Category: storage.CategoryInternetService,
		Domains: []string{"game.example"}, AllowedClaims: []string{"age_over_14"}, AuthMethod: storage.AuthClientSecret,
	}); err != nil {
		t.Fatal(err)
	}
	cred, err := e.P.Store.GetCredential(context.Background(), issued.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	consents := "/v1/guardian/wards/" + cred.PersonID + "/consents"
	e.Call("POST", consents, e.proof(parent, "POST", consents), map[string]any{"audience": "game", "password": "27418596"}, nil, http.StatusCreated)

	// The child's page: fetch the statements, pick the one for the key,
	// present with it.
	type presented struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
		Token  string `json:"token"`
		Bare   string `json:"bare"`
	}
	presentAs := func(key, sdjwt, nonce string) presented {
		t.Helper()
		return run[presented](p, `
			const dev = await wc.loadKey("device");
			const url = location.origin + "/v1/wallet/guardian-consents";
			const r = await fetch("/v1/wallet/guardian-consents", { headers: {
				[wc.HOLDER_PROOF_HEADER]: await wc.holderProof(dev, args.credentialId, "GET", url) } });
			const body = await r.text();
			if (r.status !== 200) return { status: r.status, body };
			const k = await wc.loadKey(args.key);
			const jkt = await wc.thumbprint(await wc.publicJwk(k));
			const st = JSON.parse(body).statements.find((s) => s.audience === "game" && s.key_thumbprint === jkt);
			if (!st) return { status: r.status, body };
			return { status: r.status, body,
				token: await wc.present(args.sdjwt, ["age_over_14"], k, "game", args.nonce, { consent: st.statement }),
				bare: await wc.present(args.sdjwt, ["age_over_14"], k, "game", args.nonce) };`,
			map[string]any{"credentialId": issued.CredentialID, "key": key, "sdjwt": sdjwt, "nonce": nonce})
	}
	keys := e.jwks()
	for _, c := range []struct{ key, sdjwt string }{{"device", issued.Credential}, {"batch-1", issued.Batch[0]}} {
		pr := presentAs(c.key, c.sdjwt, "n-"+c.key)
		if pr.Token == "" {
			t.Fatalf("%s: no statement for the key: status %d, %.300s", c.key, pr.Status, pr.Body)
		}
		o := credential.PresentationOptions{Keys: keys, Audience: "game", Nonce: "n-" + c.key, Now: time.Now()}
		got, err := credential.VerifyPresentation(pr.Token, o)
		if err != nil {
			t.Fatalf("%s: the child's presentation with consent: %v", c.key, err)
		}
		if got.KeyBinding == nil || got.KeyBinding.GuardianConsent == nil || got.Disclosed["age_over_14"] != false {
			t.Fatalf("%s: verified %+v", c.key, got.KeyBinding)
		}
		if _, err := credential.VerifyPresentation(pr.Bare, o); !errors.Is(err, credential.ErrGuardianConsent) {
			t.Fatalf("%s: the child's presentation without consent: %v", c.key, err)
		}
	}
}
