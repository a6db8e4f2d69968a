package jws

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/strictjson"
)

// FuzzVerifyClaims feeds VerifyClaims arbitrary tokens under a fixed key.
// Whatever it accepts is a compact ES256 token of the expected type whose
// signature verifies with the key by crypto/ecdsa directly, and whose
// payload is an object; whatever it refuses wraps one of the package's
// sentinels or strictjson's.
func FuzzVerifyClaims(f *testing.F) {
	key := newKey(f)
	good, _ := Sign(key, testTyp, "k1", []byte(`{"iss":"a","n":1}`))
	f.Add(good)
	f.Add(good[:len(good)-2])
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add(handMade(f, key, `{"alg":"ES256","typ":"`+testTyp+`","kid":"k1"}`, `{"iss":"a","iss":"b"}`))
	f.Add(handMade(f, key, `{"alg":"ES256","typ":"`+testTyp+`","kid":"k1"}`, `[]`))
	f.Add(handMade(f, key, `{"alg":"ES256","typ":"`+testTyp+`","kid":"k1"}`, `{"iss":"\ud800"}`))
	f.Add(handMade(f, key, `{"alg":"ES256","typ":"`+testTyp+`","kid":"k2"}`, `{}`))
	f.Add(handMade(f, key, `{"alg":"HS256","typ":"`+testTyp+`","kid":"k1"}`, `{}`))
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"}}}
	f.Fuzz(func(t *testing.T, s string) {
		var claims map[string]any
		h, err := VerifyClaims(s, Expect{Typ: testTyp, Keys: ByKeyID(set)}, &claims)
		if err != nil {
			for _, sentinel := range []error{ErrMalformed, ErrType, ErrAlgorithm, ErrUnknownKey, ErrSignature, ErrKey} {
				if errors.Is(err, sentinel) {
					return
				}
			}
			if _, ok := errors.AsType[*strictjson.Error](err); ok {
				return
			}
			t.Fatalf("error %v wraps no sentinel", err)
		}
		if h.Alg != ES256 || h.KeyID != "k1" || !TypIs(h.Typ, testTyp) || claims == nil {
			t.Fatalf("accepted header %+v claims %v", h, claims)
		}
		parts := strings.Split(s, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted %d parts", len(parts))
		}
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil || len(sig) != 64 {
			t.Fatalf("accepted a signature of %d bytes (%v)", len(sig), err)
		}
		digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(&key.PublicKey, digest[:], r, sv) {
			t.Fatal("accepted a token whose signature crypto/ecdsa refuses")
		}
	})
}
