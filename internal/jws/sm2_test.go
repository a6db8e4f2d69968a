package jws

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/go-jose/go-jose/v4"
)

// The signature example of GM/T 0003.5-2012 Annex A on the recommended
// curve (the curve of GB/T 32918.5), with the default identifier; GB/T
// 32918.2-2016's own annex uses a test curve instead. OpenSSL's
// test/sm2_internal_test.c carries the same values.
const (
	annexD  = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
	annexX  = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
	annexY  = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
	annexM  = "message digest"
	annexZA = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
	annexE  = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
	annexK  = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
	annexR  = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
	annexS  = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func annexKey(t testing.TB) *sm2.PrivateKey {
	t.Helper()
	k, err := sm2.NewPrivateKey(unhex(t, annexD))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signWithK is the signature generation of GB/T 32918.2 §6.1 with the
// random k given, written out with math/big so a test can reproduce a
// published signature: r = (e + x1) mod n, s = (1+d)⁻¹·(k − r·d) mod n.
func signWithK(d *big.Int, e, k []byte) []byte {
	c := sm2.P256().Params()
	kk := new(big.Int).SetBytes(k)
	// (x1, y1) = [k]G: the public key of the private key k.
	kG, err := sm2.NewPrivateKey(k)
	if err != nil {
		panic(err)
	}
	x1 := new(big.Int).SetBytes(pointBytes(&kG.PublicKey)[1:33])
	r := new(big.Int).Add(new(big.Int).SetBytes(e), x1)
	r.Mod(r, c.N)
	inv := new(big.Int).ModInverse(new(big.Int).Add(d, big.NewInt(1)), c.N)
	s := new(big.Int).Mul(r, d)
	s.Sub(kk, s)
	s.Mul(s, inv)
	s.Mod(s, c.N)
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out
}

// pointBytes is the uncompressed point 0x04 ‖ x ‖ y of an SM2 public key.
func pointBytes(pub *ecdsa.PublicKey) []byte {
	k, err := sm2.PublicKeyToECDH(pub)
	if err != nil {
		panic(err)
	}
	return k.Bytes()
}

// TestSM2AnnexVector: the published key, Z_A, e and signature are what
// this package computes and verifies.
func TestSM2AnnexVector(t *testing.T) {
	key := annexKey(t)
	pub := &key.PublicKey
	if p := pointBytes(pub); !bytes.Equal(p[1:], unhex(t, annexX+annexY)) {
		t.Fatalf("public key of the annex's d = %x", p)
	}
	za, err := sm2.CalculateZA(pub, sm2ID)
	if err != nil || !bytes.Equal(za, unhex(t, annexZA)) {
		t.Fatalf("Z_A = %x, %v", za, err)
	}
	e, err := SM2Digest(pub, []byte(annexM))
	if err != nil || !bytes.Equal(e, unhex(t, annexE)) {
		t.Fatalf("e = %x, %v", e, err)
	}
	want := unhex(t, annexR+annexS)
	if got := signWithK(key.D, e, unhex(t, annexK)); !bytes.Equal(got, want) {
		t.Fatalf("signature with the annex's k = %X, want %X", got, want)
	}
	// The suite's verification, the one Token.Verify runs.
	if !verifySM2(pub, annexM, want) {
		t.Fatal("the annex's signature does not verify")
	}
	for i := range want {
		bad := bytes.Clone(want)
		bad[i] ^= 1
		if verifySM2(pub, annexM, bad) {
			t.Fatalf("a signature with byte %d changed verifies", i)
		}
	}
	if verifySM2(pub, annexM+".", want) {
		t.Fatal("the signature verifies another message")
	}
}

// TestSM2AnnexKeyToken: a token signed as the annex signs (its key and its
// k, over the token's signing input) is verified by Verify, and refused
// once changed.
func TestSM2AnnexKeyToken(t *testing.T) {
	key := annexKey(t)
	input := B64.EncodeToString([]byte(`{"alg":"SM2","kid":"annex","typ":"`+testTyp+`"}`)) + "." + B64.EncodeToString([]byte(`{"sub":"annex"}`))
	e, err := SM2Digest(&key.PublicKey, []byte(input))
	if err != nil {
		t.Fatal(err)
	}
	tok := input + "." + B64.EncodeToString(signWithK(key.D, e, unhex(t, annexK)))
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "annex"}}}
	e2 := Expect{Typ: testTyp, Algorithms: []Algorithm{SM2}, Keys: ByKeyID(set)}
	h, payload, err := Verify(tok, e2)
	if err != nil || h.Alg != SM2 || string(payload) != `{"sub":"annex"}` {
		t.Fatalf("Verify = %+v, %q, %v", h, payload, err)
	}
	forged := input[:len(input)-2] + "fQ." + tok[strings.LastIndexByte(tok, '.')+1:]
	if _, _, err := Verify(forged, e2); err == nil {
		t.Fatal("a changed payload verifies")
	}
	// The default allow-list includes SM2; a caller pinning ES256 refuses it.
	if _, _, err := Verify(tok, Expect{Typ: testTyp, Keys: ByKeyID(set)}); err != nil {
		t.Fatalf("SM2 under the default allow-list: %v", err)
	}
	if _, _, err := Verify(tok, Expect{Typ: testTyp, Algorithms: []Algorithm{ES256}, Keys: ByKeyID(set)}); !errors.Is(err, ErrAlgorithm) {
		t.Fatalf("SM2 with ES256 pinned: %v, want ErrAlgorithm", err)
	}
}

func newSM2Key(t testing.TB) *sm2.PrivateKey {
	t.Helper()
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSM2SignVerify(t *testing.T) {
	key := newSM2Key(t)
	tok, err := Sign(key, testTyp, "k1", []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	header, _ := B64.DecodeString(tok[:strings.IndexByte(tok, '.')])
	if string(header) != `{"alg":"SM2","kid":"k1","typ":"`+testTyp+`"}` {
		t.Fatalf("header %s", header)
	}
	sm2Only := []Algorithm{SM2}
	h, payload, err := Verify(tok, Expect{Typ: testTyp, Algorithms: sm2Only, Keys: PublicKey(&key.PublicKey)})
	if err != nil || h.Alg != SM2 || h.KeyID != "k1" || string(payload) != `{"a":1}` {
		t.Fatalf("Verify = %+v, %q, %v", h, payload, err)
	}
	// Another SM2 key, a P-256 key, an allow-list without SM2: refused.
	other := newSM2Key(t)
	if _, _, err := Verify(tok, Expect{Typ: testTyp, Algorithms: sm2Only, Keys: PublicKey(&other.PublicKey)}); !errors.Is(err, ErrSignature) {
		t.Fatalf("other SM2 key: %v, want ErrSignature", err)
	}
	if _, _, err := Verify(tok, Expect{Typ: testTyp, Algorithms: sm2Only, Keys: PublicKey(&newKey(t).PublicKey)}); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("P-256 key: %v, want ErrUnknownKey", err)
	}
	if _, _, err := Verify(tok, Expect{Typ: testTyp, Algorithms: []Algorithm{ES256}, Keys: PublicKey(&key.PublicKey)}); !errors.Is(err, ErrAlgorithm) {
		t.Fatalf("ES256 only: %v, want ErrAlgorithm", err)
	}
	// An ES256 token is not verified with an SM2 key, even if SM2 is allowed.
	p256 := newKey(t)
	es, _ := Sign(p256, testTyp, "", []byte(`{}`))
	if _, _, err := Verify(es, Expect{Typ: testTyp, Algorithms: []Algorithm{ES256, SM2}, Keys: PublicKey(&key.PublicKey)}); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("ES256 token, SM2 key: %v, want ErrUnknownKey", err)
	}
	// A token claiming ES256 over an SM2 signature is refused.
	parts := strings.Split(tok, ".")
	swapped := B64.EncodeToString([]byte(`{"alg":"ES256","kid":"k1","typ":"`+testTyp+`"}`)) + "." + parts[1] + "." + parts[2]
	if _, _, err := Verify(swapped, Expect{Typ: testTyp, Algorithms: []Algorithm{ES256, SM2}, Keys: PublicKey(&key.PublicKey)}); err == nil {
		t.Fatal("alg swapped to ES256 verifies")
	}
}

func TestSM2JWK(t *testing.T) {
	key := annexKey(t)
	b, err := SM2JWK{Key: &key.PublicKey, KeyID: "k", Algorithm: string(SM2), Use: "sig"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"alg":"SM2","crv":"SM2","kid":"k","kty":"EC","use":"sig","x":"CfnfMR5UIaFQ3X0WHkvFxnIXn60YM_wHa7CP81bzUCA","y":"zOpJDOJndaUtxupxjMGqYArtBfvzXghKZjL2By2prRM"}`
	if string(b) != want {
		t.Fatalf("JWK %s\nwant %s", b, want)
	}
	k, err := ParseSM2JWK(b)
	if err != nil || !k.Key.Equal(&key.PublicKey) || k.KeyID != "k" || k.Use != "sig" || k.Algorithm != "SM2" {
		t.Fatalf("ParseSM2JWK = %+v, %v", k, err)
	}
	tp, err := SM2Thumbprint(&key.PublicKey, NewSM3)
	if err != nil || len(tp) != 32 {
		t.Fatalf("thumbprint %x, %v", tp, err)
	}
	h := NewSM3()
	h.Write([]byte(`{"crv":"SM2","kty":"EC","x":"CfnfMR5UIaFQ3X0WHkvFxnIXn60YM_wHa7CP81bzUCA","y":"zOpJDOJndaUtxupxjMGqYArtBfvzXghKZjL2By2prRM"}`))
	if !bytes.Equal(tp, h.Sum(nil)) {
		t.Fatal("thumbprint is not over the RFC 7638 members")
	}
	x, y := `"CfnfMR5UIaFQ3X0WHkvFxnIXn60YM_wHa7CP81bzUCA"`, `"zOpJDOJndaUtxupxjMGqYArtBfvzXghKZjL2By2prRM"`
	for _, bad := range []string{
		`{"kty":"EC","crv":"P-256","x":` + x + `,"y":` + y + `}`,
		`{"kty":"OKP","crv":"SM2","x":` + x + `,"y":` + y + `}`,
		`{"kty":"EC","crv":"SM2","x":` + x + `}`,
		`{"kty":"EC","crv":"SM2","x":` + x + `,"y":"zOpJDOJndaUtxupxjMGqYArtBfvzXghKZjL2By2prRQ"}`, // off the curve
		`{"kty":"EC","crv":"SM2","x":"AAnfMR5UIaFQ3X0WHkvFxnIXn60YM_wHa7CP81bzUCA","y":` + y + `}`,
		`{"kty":"EC","crv":"SM2","x":"CfnfMR5UIaFQ3X0WHkvFxnIXn60YM_wHa7CP81bzUC","y":` + y + `}`, // 31 bytes
		`{"kty":"EC","crv":"SM2","x":` + x + `,"y":` + y + `,"d":"AA"}`,
		`{"kty":"EC","crv":"SM2","x":` + x + `,"x":` + x + `,"y":` + y + `}`, // duplicate member
	} {
		if _, err := ParseSM2JWK([]byte(bad)); err == nil {
			t.Errorf("ParseSM2JWK accepted %s", bad)
		}
	}
}

// TestSM2HeaderJWK: a proof of possession carrying its SM2 key in the
// header is verified with that key.
func TestSM2HeaderJWK(t *testing.T) {
	key := newSM2Key(t)
	jwk, _ := SM2JWK{Key: &key.PublicKey}.MarshalJSON()
	input := B64.EncodeToString([]byte(`{"alg":"SM2","typ":"`+testTyp+`","jwk":`+string(jwk)+`}`)) + "." + B64.EncodeToString([]byte(`{}`))
	sig, err := signSM2(key, []byte(input))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := Parse(input+"."+B64.EncodeToString(sig), Expect{Typ: testTyp, Algorithms: []Algorithm{SM2}})
	if err != nil {
		t.Fatal(err)
	}
	k, err := parsed.Header.JWK()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parsed.Verify(PublicKey(k.Key)); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkSM2(b *testing.B) {
	key := newSM2Key(b)
	payload := []byte(`{"iss":"https://netid.example","sub":"bench","iat":1700000000}`)
	b.Run("sign", func(b *testing.B) {
		for b.Loop() {
			if _, err := Sign(key, testTyp, "k", payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	tok, _ := Sign(key, testTyp, "k", payload)
	e := Expect{Typ: testTyp, Algorithms: []Algorithm{SM2}, Keys: PublicKey(&key.PublicKey)}
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := Verify(tok, e); err != nil {
				b.Fatal(err)
			}
		}
	})
}
