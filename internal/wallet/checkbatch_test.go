package wallet

import (
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/suite"
)

// TestCheckBatch: the batch received with a credential is checked against
// the credential the caller verified: each member signed by the
// platform, bound to its key, with the credential's claims, no jti, and a
// status index of its own.
func TestCheckBatch(t *testing.T) {
	issuer := newDeviceKey(t)
	other := newDeviceKey(t)
	keys := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &issuer.PublicKey, KeyID: testKID, Algorithm: string(suite.ES256.SignatureAlgorithm())}}}
	wh, err := netnum.New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issue := func(by, holder *ecdsa.PrivateKey, index int64, id string, disclosable map[string]any) string {
		t.Helper()
		sd, err := credential.Issuer{Key: by, KeyID: testKID}.Issue(credential.Claims{
			ID: id, Issuer: testServer, VCT: credential.VCTWangzheng, Wanghao: wh,
			IssuedAt: testNow, ExpiresAt: testNow.AddDate(1, 0, 0),
			Holder:      &jose.JSONWebKey{Key: &holder.PublicKey},
			Status:      credential.Status{URI: testServer + "/status/1", Index: index},
			Disclosable: disclosable,
		})
		if err != nil {
			t.Fatal(err)
		}
		return sd
	}
	claims := map[string]any{"age_over_18": true, "name": "张三"}
	device := newDeviceKey(t)
	cred := issue(issuer, device, 7, "cred-1", claims)
	main, err := credential.VerifyWithLeeway(cred, keys, testNow, issuanceLeeway)
	if err != nil {
		t.Fatal(err)
	}
	batchKeys := []*ecdsa.PrivateKey{newDeviceKey(t), newDeviceKey(t)}
	good := func() []string {
		return []string{issue(issuer, batchKeys[0], 8, "", claims), issue(issuer, batchKeys[1], 9, "", claims)}
	}
	got, err := checkBatch(api.IssuedCredential{Credential: cred, Batch: good()}, main, keys, batchKeys, testNow)
	if err != nil || len(got) != 2 || got[0].Key != batchKeys[0] || got[1].Key != batchKeys[1] {
		t.Fatalf("a good batch: %v, %d members", err, len(got))
	}

	for _, tc := range []struct {
		name  string
		batch func() []string
		want  string
	}{
		{"other claims", func() []string {
			b := good()
			b[1] = issue(issuer, batchKeys[1], 9, "", map[string]any{"age_over_18": false, "name": "张三"})
			return b
		}, "has other claims"},
		{"signed by another key", func() []string {
			b := good()
			b[0] = issue(other, batchKeys[0], 8, "", claims)
			return b
		}, "batch credential 1"},
		{"bound to another key", func() []string {
			b := good()
			b[0] = issue(issuer, batchKeys[1], 8, "", claims)
			return b
		}, "not bound to its key"},
		{"a jti", func() []string {
			b := good()
			b[1] = issue(issuer, batchKeys[1], 9, "cred-2", claims)
			return b
		}, "carries a jti"},
		{"the credential's status index", func() []string {
			b := good()
			b[0] = issue(issuer, batchKeys[0], 7, "", claims)
			return b
		}, "shares a status index"},
		{"one short", func() []string { return good()[:1] }, "1 batch credentials for 2 keys"},
	} {
		_, err := checkBatch(api.IssuedCredential{Credential: cred, Batch: tc.batch()}, main, keys, batchKeys, testNow)
		if !errors.Is(err, ErrCredentialMismatch) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}

	// The members are held to the credential the caller verified: a
	// batch issued with other claims than that credential's is refused.
	otherMain, err := credential.VerifyWithLeeway(issue(issuer, device, 7, "cred-1", map[string]any{"age_over_18": false}), keys, testNow, issuanceLeeway)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkBatch(api.IssuedCredential{Credential: cred, Batch: good()}, otherMain, keys, batchKeys, testNow); !errors.Is(err, ErrCredentialMismatch) {
		t.Errorf("a batch against another credential: %v", err)
	}
}
