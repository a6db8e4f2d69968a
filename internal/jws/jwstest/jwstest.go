// Package jwstest makes tokens for tests that the jws package would never
// sign: raw header and payload text (duplicate keys, a missing or wrong
// typ, crit, another alg) under a real ES256 signature, and the JSON
// serialization of a token, so each call site can show it refuses them.
package jwstest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

var b64 = base64.RawURLEncoding

// Sign returns the compact JWS of header and payload, taken as raw JSON
// text, signed with ES256 by key over exactly these bytes. It panics if
// signing fails (it cannot with a valid P-256 key).
func Sign(key *ecdsa.PrivateKey, header, payload string) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	digest := sha256.Sum256([]byte(input))
	der, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		panic(err)
	}
	r, s := new(big.Int), new(big.Int)
	var inner cryptobyte.String
	in := cryptobyte.String(der)
	if !in.ReadASN1(&inner, asn1.SEQUENCE) || !inner.ReadASN1Integer(r) || !inner.ReadASN1Integer(s) {
		panic("jwstest: unreadable ECDSA signature")
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return input + "." + b64.EncodeToString(out)
}

// Header returns a protected header of alg ES256 with typ and kid (each
// omitted when empty) and the extra members, as JSON text.
func Header(typ, kid string, extra map[string]any) string {
	m := map[string]any{"alg": "ES256"}
	if typ != "" {
		m["typ"] = typ
	}
	if kid != "" {
		m["kid"] = kid
	}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// JSONSerialization rewrites a compact JWS in the flattened JSON
// serialization (RFC 7515 §7.2.2), which carries the same signature.
func JSONSerialization(compact string) string {
	p := strings.Split(compact, ".")
	if len(p) != 3 {
		panic("jwstest: not a compact JWS")
	}
	return `{"protected":"` + p[0] + `","payload":"` + p[1] + `","signature":"` + p[2] + `"}`
}
