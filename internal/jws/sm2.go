package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/netid-project/netid/internal/strictjson"
)

// SM2 is the SM2 digital signature of GB/T 32918.2 over SM3 (GB/T 32905),
// with the default distinguishing identifier "1234567812345678" of GM/T
// 0009, the signature encoded as r‖s, 32 big-endian bytes each, as ES256
// encodes ECDSA's. docs/sm-profile.md specifies it.
//
// SM2 is in the default allow-list beside ES256; a caller that accepts one
// suite only names it in Expect.Algorithms. Sign signs with it whenever it
// is given an SM2 key.
const SM2 Algorithm = "SM2"

// SM2Curve is the "crv" of an SM2 public key in a JWK ("kty" "EC"): the
// curve of GB/T 32918.5 (sm2p256v1).
const SM2Curve = "SM2"

// sm2ID is the distinguishing identifier hashed into Z_A (GB/T 32918.2
// §5.5); GM/T 0009 makes this value the default, and this profile allows
// no other.
var sm2ID = []byte("1234567812345678")

func init() {
	suites[SM2] = suite{sigSize: 64, publicKey: func(key any) (crypto.PublicKey, bool) {
		pub, ok := sm2Public(key)
		return pub, ok
	}, verify: verifySM2, sign: signSM2}
}

// sm2Public returns the SM2 public key of key, an SM2 public or private key.
func sm2Public(key any) (*ecdsa.PublicKey, bool) {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		if k != nil && k.Curve == sm2.P256() {
			return k, true
		}
	case *sm2.PrivateKey:
		if k != nil && k.Curve == sm2.P256() {
			return &k.PublicKey, true
		}
	case *ecdsa.PrivateKey:
		if k != nil && k.Curve == sm2.P256() {
			return &k.PublicKey, true
		}
	}
	return nil, false
}

// AlgorithmFor returns the algorithm Sign uses for key (public or
// private): ES256 for a P-256 key, SM2 for a key on the SM2 curve.
func AlgorithmFor(key crypto.PublicKey) (Algorithm, bool) { return signingAlgorithm(key) }

// SM2PublicKey returns the SM2 public key of a JWK's key (public or
// private).
func SM2PublicKey(key any) (*ecdsa.PublicKey, bool) { return sm2Public(key) }

// SM2Digest is e = SM3(Z_A ‖ M) of GB/T 32918.2 §6.1 for the public key
// pub and the default distinguishing identifier: the value an SM2
// signature of message signs.
func SM2Digest(pub *ecdsa.PublicKey, message []byte) ([]byte, error) {
	h, err := sm2.NewHashWithUserID(pub, sm2ID)
	if err != nil {
		return nil, fmt.Errorf("jws: SM2 digest: %w", err)
	}
	h.Write(message)
	return h.Sum(nil), nil
}

// verifySM2 checks an SM2 signature r‖s over signingInput.
func verifySM2(pub crypto.PublicKey, signingInput string, sig []byte) bool {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || len(sig) != 64 {
		return false
	}
	e, err := SM2Digest(k, []byte(signingInput))
	if err != nil {
		return false
	}
	der, err := encodeRS(sig[:32], sig[32:])
	if err != nil {
		return false
	}
	return sm2.VerifyASN1(k, e, der)
}

// signSM2 signs signingInput with key (an SM2 key, possibly opaque) and
// returns r‖s. The key is asked to sign the message itself with the
// default identifier (sm2.DefaultSM2SignerOpts), the form gmsm's keys and
// SM2 signers built on them take. An *ecdsa.PrivateKey on the SM2 curve
// (the form a holder's key takes beside a P-256 one) signs as the
// *sm2.PrivateKey it is: its own Sign would compute ECDSA, not SM2.
func signSM2(key crypto.Signer, signingInput []byte) ([]byte, error) {
	if k, ok := key.(*ecdsa.PrivateKey); ok {
		sk, err := new(sm2.PrivateKey).FromECPrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("jws: SM2 sign: %w", err)
		}
		key = sk
	}
	der, err := key.Sign(rand.Reader, signingInput, sm2.NewSM2SignerOption(true, sm2ID))
	if err != nil {
		return nil, fmt.Errorf("jws: SM2 sign: %w", err)
	}
	sig, ok := fixedRS(der)
	if !ok {
		return nil, errors.New("jws: SM2 sign: the signer returned an unreadable signature")
	}
	return sig, nil
}

// fixedRS turns a signer's ASN.1 SEQUENCE of r and s, each positive and
// at most 256 bits, into the 64 bytes of a JWS signature: r and s as 32
// big-endian bytes each (RFC 7518 §3.4; the SM2 profile alike).
func fixedRS(der []byte) ([]byte, bool) {
	r, s := new(big.Int), new(big.Int)
	var inner cryptobyte.String
	in := cryptobyte.String(der)
	if !in.ReadASN1(&inner, asn1.SEQUENCE) || !in.Empty() ||
		!inner.ReadASN1Integer(r) || !inner.ReadASN1Integer(s) || !inner.Empty() ||
		r.Sign() <= 0 || s.Sign() <= 0 || r.BitLen() > 256 || s.BitLen() > 256 {
		return nil, false
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, true
}

// encodeRS is the ASN.1 SEQUENCE of the two positive integers r and s
// (big-endian bytes) that gmsm verifies.
func encodeRS(r, s []byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(new(big.Int).SetBytes(r))
		b.AddASN1BigInt(new(big.Int).SetBytes(s))
	})
	return b.Bytes()
}

// signCompact is Sign for a suite that signs by itself (not through
// go-jose): the protected header {"alg","jwk","kid","typ"}, keys in that
// order as go-jose writes them, jwk and kid omitted when empty.
func signCompact(s suite, alg Algorithm, key crypto.Signer, typ, kid string, jwk json.RawMessage, payload []byte) (string, error) {
	header, err := json.Marshal(struct {
		Alg Algorithm       `json:"alg"`
		JWK json.RawMessage `json:"jwk,omitempty"`
		Kid string          `json:"kid,omitempty"`
		Typ string          `json:"typ"`
	}{alg, jwk, kid, typ})
	if err != nil {
		return "", fmt.Errorf("jws: encoding the header: %w", err)
	}
	input := B64.EncodeToString(header) + "." + B64.EncodeToString(payload)
	sig, err := s.sign(key, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + B64.EncodeToString(sig), nil
}

// SM2JWK is the public JWK of an SM2 key (docs/sm-profile.md): kty "EC",
// crv "SM2", x and y as 32-byte big-endian base64url; kid, alg and use
// when set.
type SM2JWK struct {
	Key       *ecdsa.PublicKey
	KeyID     string
	Algorithm string
	Use       string
}

// MarshalJSON writes the JWK's members in lexicographic order.
func (k SM2JWK) MarshalJSON() ([]byte, error) {
	if k.Key == nil || k.Key.Curve != sm2.P256() {
		return nil, errors.New("jws: not an SM2 public key")
	}
	x, y, err := sm2Coordinates(k.Key)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		Alg string `json:"alg,omitempty"`
		Crv string `json:"crv"`
		Kid string `json:"kid,omitempty"`
		Kty string `json:"kty"`
		Use string `json:"use,omitempty"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}{k.Algorithm, SM2Curve, k.KeyID, "EC", k.Use, x, y})
}

// sm2Coordinates returns x and y of pub as 32-byte base64url.
func sm2Coordinates(pub *ecdsa.PublicKey) (x, y string, err error) {
	k, err := sm2.PublicKeyToECDH(pub)
	if err != nil {
		return "", "", errors.New("jws: not an SM2 public key")
	}
	p := k.Bytes() // 0x04 ‖ x ‖ y
	return B64.EncodeToString(p[1:33]), B64.EncodeToString(p[33:65]), nil
}

// ParseSM2JWK reads the public SM2 JWK in b: strict JSON, kty "EC", crv
// "SM2", x and y each exactly 32 bytes of canonical base64url, a point on
// the curve; no private member ("d"). kid, alg and use are kept when they
// are strings; other members are ignored (RFC 7517 §4).
func ParseSM2JWK(b []byte) (SM2JWK, error) {
	m, err := strictjson.DecodeObject(b)
	if err != nil {
		return SM2JWK{}, fmt.Errorf("jws: SM2 JWK: %w", err)
	}
	return sm2JWKFromObject(m)
}

func sm2JWKFromObject(m map[string]any) (SM2JWK, error) {
	if m["kty"] != "EC" || m["crv"] != SM2Curve {
		return SM2JWK{}, errors.New(`jws: SM2 JWK: kty must be "EC" and crv "SM2"`)
	}
	if _, ok := m["d"]; ok {
		return SM2JWK{}, errors.New("jws: SM2 JWK: holds a private key")
	}
	var point [65]byte
	point[0] = 4
	for i, name := range []string{"x", "y"} {
		s, _ := m[name].(string)
		c, err := B64.DecodeString(s)
		if err != nil || len(c) != 32 {
			return SM2JWK{}, fmt.Errorf("jws: SM2 JWK: %s is not 32 bytes of base64url", name)
		}
		copy(point[1+32*i:], c)
	}
	pub, err := sm2.NewPublicKey(point[:])
	if err != nil {
		return SM2JWK{}, errors.New("jws: SM2 JWK: not a point of the SM2 curve")
	}
	k := SM2JWK{Key: pub}
	k.KeyID, _ = m["kid"].(string)
	k.Algorithm, _ = m["alg"].(string)
	k.Use, _ = m["use"].(string)
	return k, nil
}

// SM2Thumbprint is the RFC 7638 thumbprint of an SM2 public key under the
// hash newHash: its required members crv, kty, x, y in that order, without
// whitespace. An SM deployment uses SM3 (NewSM3).
func SM2Thumbprint(pub *ecdsa.PublicKey, newHash func() hash.Hash) ([]byte, error) {
	if pub == nil || pub.Curve != sm2.P256() {
		return nil, errors.New("jws: not an SM2 public key")
	}
	x, y, err := sm2Coordinates(pub)
	if err != nil {
		return nil, err
	}
	h := newHash()
	h.Write([]byte(`{"crv":"` + SM2Curve + `","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	return h.Sum(nil), nil
}

// NewSM3 returns a new SM3 hash (GB/T 32905).
func NewSM3() hash.Hash { return sm3.New() }
