package wallet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// TestSuiteOf: the wallet takes the platform's suite from the one
// signature algorithm its discovery document names.
func TestSuiteOf(t *testing.T) {
	for _, tc := range []struct {
		algs []string
		want suite.Suite
	}{
		{[]string{"ES256"}, suite.ES256},
		{[]string{"SM2"}, suite.SM},
		{[]string{"RS256", "SM2"}, suite.SM},
		{[]string{"SM2", "SM2"}, suite.SM},
		{nil, suite.Suite{}},
		{[]string{"RS256"}, suite.Suite{}},
		{[]string{"sm2"}, suite.Suite{}},
		{[]string{"ES256", "SM2"}, suite.Suite{}},
	} {
		got, err := suiteOf(tc.algs)
		if !tc.want.Valid() {
			if !errors.Is(err, ErrPlatformSuite) || errors.Is(err, ErrKeySuite) {
				t.Errorf("%q: %v, %v; want ErrPlatformSuite", tc.algs, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %v, %v; want %v", tc.algs, got, err, tc.want)
		}
	}
}

// TestSMWallet: on an sm platform the wallet makes an SM2 device key,
// proves it with an SM2 device proof, stores it, presents with an SM2
// key-binding JWT over an SM3 sd_hash, and approves an online
// verification with SM2 holder proofs; on es256 all of it is P-256.
func TestSMWallet(t *testing.T) {
	for _, st := range suite.All() {
		t.Run(st.String(), func(t *testing.T) {
			f := newFakePlatformSuite(t, st)
			u := f.adult(t) // applies, saves, opens and unlocks
			if got, ok := keySuite(u.DeviceKey); !ok || got != st {
				t.Fatalf("device key of suite %v, want %v", got, st)
			}
			c, err := decodeIssuerJWT(u.Wallet.IssuerJWT)
			if err != nil {
				t.Fatal(err)
			}
			if c.Suite != st || !c.Holder.Equal(&u.DeviceKey.PublicKey) {
				t.Fatalf("credential of suite %v bound to another key", c.Suite)
			}

			// Present: verified as a relying party of the suite would.
			p, err := Present(u, "https://rp.example", "nonce-1", []string{"name"}, testNow)
			if err != nil {
				t.Fatal(err)
			}
			vc, err := credential.VerifyPresentation(p, credential.PresentationOptions{
				Keys: f.jwks(), Suite: st, Audience: "https://rp.example", Nonce: "nonce-1", Now: testNow,
			})
			if err != nil {
				t.Fatalf("presentation: %v", err)
			}
			if vc.Disclosed["name"] != "张三" {
				t.Errorf("disclosed %v", vc.Disclosed)
			}
			sd, err := credential.Parse(p)
			if err != nil {
				t.Fatal(err)
			}
			if alg := headerAlg(t, sd.KeyBinding); alg != st.SignatureAlgorithm() {
				t.Errorf("key-binding JWT alg %q, want %q", alg, st.SignatureAlgorithm())
			}

			// Approve an online verification: the platform checks the
			// holder proofs with the stored device key.
			var answers []api.AnswerRequest
			f.verificationRoutes(&answers)
			a := &asker{answers: map[QuestionKind]bool{QuestionVerification: true}}
			res, err := Approve(context.Background(), f.client(), u, codePossession, a, nil)
			if err != nil {
				t.Fatalf("approve: %v", err)
			}
			if res.State != api.SessionApproved || len(answers) != 1 {
				t.Fatalf("state %q, %d answers", res.State, len(answers))
			}
			for _, pr := range f.proofs {
				if alg := headerAlg(t, pr); alg != st.SignatureAlgorithm() {
					t.Fatalf("holder proof alg %q, want %q", alg, st.SignatureAlgorithm())
				}
			}

			// The file round-trips: sealed again under a new password, it
			// opens to the same key.
			w2, err := Relock(u, "58204713", SaveOptions{KDF: testKDF})
			if err != nil {
				t.Fatal(err)
			}
			w3, err := Open(w2.Dir)
			if err != nil {
				t.Fatal(err)
			}
			u2, err := w3.Unlock("58204713")
			if err != nil {
				t.Fatal(err)
			}
			if !u2.DeviceKey.Equal(u.DeviceKey) || u2.Credential != u.Credential {
				t.Fatal("the wallet did not round-trip")
			}
		})
	}
}

func headerAlg(t *testing.T, token string) jws.Algorithm {
	t.Helper()
	h, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Alg jws.Algorithm `json:"alg"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v.Alg
}

// TestApplyFollowsTheMetadata: a wallet that made its key for another
// suite than the platform's is refused by the platform, so the suite the
// discovery document names is the one the wallet uses.
func TestApplyFollowsTheMetadata(t *testing.T) {
	f := newFakePlatformSuite(t, suite.SM)
	f.algs = []string{"ES256"} // a discovery document that lies
	o := f.options(t, adultBirth)
	_, err := Apply(context.Background(), f.client(), o)
	if !hasSlug(err, "invalid-device-proof") {
		t.Fatalf("Apply with a P-256 key on an sm platform: %v, want the platform's refusal", err)
	}
	f.algs = []string{"RS256"} // names no suite the wallet knows
	o = f.options(t, adultBirth)
	if _, err := Apply(context.Background(), f.client(), o); !errors.Is(err, ErrPlatformSuite) {
		t.Fatalf("Apply against a platform naming no suite: %v, want ErrPlatformSuite", err)
	}
}

// TestKeyOfTheOtherSuite: a device or batch key of another suite than the
// credential's issuer is refused in one line naming both.
func TestKeyOfTheOtherSuite(t *testing.T) {
	for _, tc := range []struct{ key, issuer suite.Suite }{{suite.ES256, suite.SM}, {suite.SM, suite.ES256}} {
		key := newDeviceKeySuite(t, tc.key)
		// The credential binds a key of the issuer's suite; the wallet
		// holds one of the other.
		bound := newDeviceKeySuite(t, tc.issuer)
		issuer := newDeviceKeySuite(t, tc.issuer)
		cred := issueTestCredentialWith(t, issuer, bound, "cred-1")
		_, err := Save(t.TempDir(), testServer, cred, key, testPassword, SaveOptions{KDF: testKDF})
		if !errors.Is(err, ErrKeySuite) {
			t.Fatalf("%v key for a %v credential: %v, want ErrKeySuite", tc.key, tc.issuer, err)
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, tc.key.KeyName()) || !strings.Contains(msg, string(tc.issuer.SignatureAlgorithm())) {
			t.Errorf("message %q: want one line naming %s and %s", msg, tc.key.KeyName(), tc.issuer.SignatureAlgorithm())
		}
		// At issuance too.
		wh, err := credentialWanghao(cred)
		if err != nil {
			t.Fatal(err)
		}
		issued := api.IssuedCredential{Credential: cred, CredentialID: "cred-1", Wanghao: wh}
		keys := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &issuer.PublicKey, KeyID: testKID, Algorithm: string(tc.issuer.SignatureAlgorithm())}}}
		if got, err := checkIssued(issued, keys, bound, testServer, testNow); err != nil || got == nil || got.Claims.Wanghao != wh {
			t.Fatalf("checkIssued with the bound key: %v", err)
		}
		if _, err := checkIssued(issued, keys, key, testServer, testNow); !errors.Is(err, ErrKeySuite) {
			t.Fatalf("checkIssued: %v, want ErrKeySuite", err)
		}
		// And a batch member.
		good := newDeviceKeySuite(t, tc.issuer)
		main := issueTestCredential(t, good, "")
		_, err = Save(t.TempDir(), testServer, main, good, testPassword, SaveOptions{KDF: testKDF, CredentialID: "cred-9",
			Batch: []BatchMember{{Key: key, Credential: cred}}})
		if !errors.Is(err, ErrKeySuite) {
			t.Fatalf("batch member of the other suite: %v, want ErrKeySuite", err)
		}
	}
}

// TestKeyStorage: an SM2 key is stored as PKCS #8 with the SM2 curve
// (readable by smx509, not by crypto/x509) and a P-256 key exactly as
// crypto/x509 writes it; both read back.
func TestKeyStorage(t *testing.T) {
	sk := newDeviceKeySuite(t, suite.SM)
	der, err := marshalKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		t.Error("crypto/x509 reads the SM2 key: not stored with the SM2 curve")
	}
	k, err := smx509.ParsePKCS8PrivateKey(der)
	if _, ok := k.(*sm2.PrivateKey); err != nil || !ok {
		t.Fatalf("smx509 reads %T, %v", k, err)
	}
	back, err := parseKey(der)
	if err != nil || !back.Equal(sk) {
		t.Fatalf("SM2 key did not round-trip: %v", err)
	}

	pk := newDeviceKey(t)
	der, err = marshalKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := x509.MarshalPKCS8PrivateKey(pk)
	if string(der) != string(want) {
		t.Error("a P-256 key is not stored as before")
	}
	back, err = parseKey(der)
	if err != nil || !back.Equal(pk) {
		t.Fatalf("P-256 key did not round-trip: %v", err)
	}

	// A key of neither suite is refused both ways.
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := marshalKey(p384); !errors.Is(err, ErrKeySuite) {
		t.Errorf("marshalKey(P-384): %v", err)
	}
	der, _ = x509.MarshalPKCS8PrivateKey(p384)
	if _, err := parseKey(der); err == nil {
		t.Error("parseKey read a P-384 key")
	}
}

// reseal writes dir's wallet.json again with its secrets changed by edit
// and sealed under testPassword as Save seals them: a file whose box
// opens, holding what Save would refuse to write.
func reseal(t *testing.T, dir string, edit func(*secrets)) {
	t.Helper()
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := aead(testPassword, w.locked)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := g.Open(nil, w.locked.Nonce, w.locked.Ciphertext, w.aad())
	if err != nil {
		t.Fatal(err)
	}
	var s secrets
	if err := json.Unmarshal(plain, &s); err != nil {
		t.Fatal(err)
	}
	edit(&s)
	if plain, err = json.Marshal(s); err != nil {
		t.Fatal(err)
	}
	w.locked.Ciphertext = g.Seal(nil, w.locked.Nonce, plain, w.aad())
	b, err := json.Marshal(file{Version: FormatVersion, Server: w.Server, Wanghao: w.Wanghao, CredentialID: w.CredentialID,
		IssuerJWT: w.IssuerJWT, ExpiresAt: w.ExpiresAt, Locked: w.locked})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, WalletFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestUnlockKeyOfTheOtherSuite: a wallet file whose sealed device or batch
// key is of another suite than its credential's issuer does not unlock,
// and says so in one sentence.
func TestUnlockKeyOfTheOtherSuite(t *testing.T) {
	for _, tc := range []struct{ issuer, key suite.Suite }{{suite.SM, suite.ES256}, {suite.ES256, suite.SM}} {
		other, err := marshalKey(newDeviceKeySuite(t, tc.key))
		if err != nil {
			t.Fatal(err)
		}
		dir, _, _ := savedWalletSuite(t, tc.issuer)
		reseal(t, dir, func(s *secrets) { s.DeviceKey = other })
		u := batchWalletSuite(t, tc.issuer, 2)
		reseal(t, u.Wallet.Dir, func(s *secrets) { s.Batch[1].Key = other })
		for what, dir := range map[string]string{"device key": dir, "batch key": u.Wallet.Dir} {
			w, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.Unlock(testPassword)
			var ks *KeySuiteError
			if !errors.Is(err, ErrKeySuite) || !errors.As(err, &ks) || ks.What != what || ks.Key != tc.key || ks.Issuer != tc.issuer {
				t.Fatalf("%s of %v for a %v credential: Unlock = %v, want a KeySuiteError", what, tc.key, tc.issuer, err)
			}
			if want := "wallet: the " + what + " is a " + tc.key.KeyName(); !strings.HasPrefix(err.Error(), want) || strings.Count(err.Error(), "wallet:") != 1 {
				t.Errorf("message %q: want one sentence starting %q", err, want)
			}
		}
	}
}
