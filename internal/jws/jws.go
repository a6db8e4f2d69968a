package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"

	"github.com/netid-project/netid/internal/strictjson"
)

// Algorithm is a JWS signature algorithm ("alg", RFC 7518 §3.1).
type Algorithm string

// ES256 is ECDSA on P-256 with SHA-256 (RFC 7518 §3.4).
const ES256 Algorithm = "ES256"

// defaultAlgorithms is the allow-list used when Expect.Algorithms is empty.
// A suite added to netid's profile is added here, and every caller that
// relies on the default accepts it without a change.
var defaultAlgorithms = []Algorithm{ES256, SM2}

// suite is what the package knows of one algorithm.
type suite struct {
	jose jose.SignatureAlgorithm
	// sigSize is the length of a signature in bytes.
	sigSize int
	// publicKey returns the key in the form go-jose verifies with, if key
	// (a JWK's Key: public or private) is a key of this algorithm.
	publicKey func(key any) (crypto.PublicKey, bool)
	// verify checks sig over signingInput with pub, a key publicKey
	// returned; nil leaves the check to go-jose.
	verify func(pub crypto.PublicKey, signingInput string, sig []byte) bool
	// sign returns the signature of signingInput by key; nil leaves
	// signing to go-jose.
	sign func(key crypto.Signer, signingInput []byte) ([]byte, error)
}

// suites are the algorithms this package can sign and verify with. An
// algorithm not here is refused whatever a caller allows.
var suites = map[Algorithm]suite{
	ES256: {jose: jose.ES256, sigSize: 64, publicKey: func(key any) (crypto.PublicKey, bool) {
		pub, ok := p256(key)
		return pub, ok
	}, verify: verifyES256, sign: signES256},
}

// signingAlgorithm returns the algorithm Sign uses for a key: the first of
// the default allow-list whose suite takes the key.
func signingAlgorithm(pub crypto.PublicKey) (Algorithm, bool) {
	for _, alg := range defaultAlgorithms {
		if _, ok := suites[alg].publicKey(pub); ok {
			return alg, true
		}
	}
	return "", false
}

// Sentinel errors. Every error Parse and Verify return for a rejected
// token wraps one of ErrMalformed, ErrAlgorithm, ErrUnknownKey and
// ErrSignature (or an error of the caller's KeySource).
var (
	// ErrMalformed: not a compact JWS, bad base64url, a header or payload
	// that is not a strict JSON object, a wrong or missing typ (also
	// ErrType), a critical extension, a signature of the wrong length.
	ErrMalformed = errors.New("jws: malformed")
	// ErrType: typ is missing or is not the expected type. It always comes
	// with ErrMalformed.
	ErrType = errors.New("jws: wrong type")
	// ErrAlgorithm: alg is not in the allow-list.
	ErrAlgorithm = errors.New("jws: algorithm not allowed")
	// ErrUnknownKey: the key source has no usable key for the token (none
	// with its kid, none of its algorithm, none for signing).
	ErrUnknownKey = errors.New("jws: unknown key")
	// ErrSignature: no usable key verifies the signature.
	ErrSignature = errors.New("jws: invalid signature")
	// ErrKey: Sign was given a key of no supported algorithm.
	ErrKey = errors.New("jws: unsupported key")
)

// B64 is strict unpadded base64url (RFC 7515 §2): non-canonical trailing
// bits are refused, so every byte string has exactly one encoding.
var B64 = base64.RawURLEncoding.Strict()

// Header is a token's protected header, strictly decoded.
type Header struct {
	Alg   Algorithm
	Typ   string
	KeyID string
	// Fields is the whole header.
	Fields map[string]any
}

// JWK returns the public key the header carries in "jwk" (RFC 7515
// §4.1.3), as a proof of possession does. A private key is refused.
func (h Header) JWK() (*jose.JSONWebKey, error) {
	raw, ok := h.Fields["jwk"]
	if !ok {
		return nil, errors.New("jws: the header carries no jwk")
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("jws: the header's jwk is not an object")
	}
	k, err := PublicJWKFromObject(m)
	if err != nil {
		return nil, fmt.Errorf("jws: the header's jwk: %w", err)
	}
	return k, nil
}

// TypIs reports whether typ names the media type want (RFC 7515 §4.1.9):
// letter case is ignored and an "application/" prefix is optional.
func TypIs(typ, want string) bool {
	const prefix = "application/"
	if len(typ) > len(prefix) && strings.EqualFold(typ[:len(prefix)], prefix) {
		typ = typ[len(prefix):]
	}
	return typ != "" && strings.EqualFold(typ, want)
}

// Expect is what a caller requires of a token.
type Expect struct {
	// Typ is the expected typ header, compared by TypIs; required.
	Typ string
	// TypOptional also accepts a token without typ. It is only for a token
	// kind whose specification defines no typ and whose senders commonly
	// omit it (an RFC 7523 client assertion); a typ that is present must
	// still be Typ, so a token of another netid kind is refused.
	TypOptional bool
	// Algorithms is the allow-list; empty means the profile's default:
	// ES256 and SM2. A key fits only its own algorithm (P-256 for ES256,
	// the SM2 curve for SM2), so which one verifies is the keys' choice.
	Algorithms []Algorithm
	// Keys gives the keys that may have signed the token; required by
	// Verify and VerifyClaims, unused by Parse.
	Keys KeySource
}

// Token is a parsed token whose signature is not yet verified.
type Token struct {
	Header Header
	// Payload is the payload, a strictly decoded JSON object, not to be
	// trusted until Verify succeeds.
	Payload []byte

	raw string
	// sig is the decoded signature, of the suite's size.
	sig []byte
	// object is Payload as Parse decoded it.
	object map[string]any
	suite  suite
}

// UnverifiedClaims decodes the payload into v as DecodeClaims does,
// without any signature check: for choosing the key (by issuer, say),
// never for deciding anything.
func (t *Token) UnverifiedClaims(v any) error { return DecodeClaims(t.Payload, v) }

// UnverifiedObject is the payload as the JSON object Parse decoded
// strictly, without any signature check: for a holder reading back what it
// verified before, never for deciding anything. Every call returns the
// same map.
func (t *Token) UnverifiedObject() map[string]any { return t.object }

// Parse checks everything but the signature: the compact form, the
// algorithm against e.Algorithms, typ against e.Typ, no crit, and that
// header and payload are strict JSON objects. Use Verify unless the key
// can only be found from the parsed token; e.Keys is not used.
func Parse(token string, e Expect) (*Token, error) {
	if e.Typ == "" {
		return nil, errors.New("jws: the expected typ must be set")
	}
	if strings.HasPrefix(strings.TrimLeft(token, " \t\r\n"), "{") {
		return nil, fmt.Errorf("%w: the JSON serialization is not accepted", ErrMalformed)
	}
	// base64 decoding skips line breaks; a canonical token has none.
	for i := 0; i < len(token); i++ {
		if c := token[i]; !isBase64URL(c) && c != '.' {
			return nil, fmt.Errorf("%w: byte %d is not base64url", ErrMalformed, i)
		}
	}
	if n := strings.Count(token, ".") + 1; n != 3 {
		return nil, fmt.Errorf("%w: want 3 dot-separated parts, got %d", ErrMalformed, n)
	}
	var parts [3]string
	parts[0], parts[1], _ = strings.Cut(token, ".")
	parts[1], parts[2], _ = strings.Cut(parts[1], ".")
	var dec [3][]byte
	for i, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("%w: empty part %d", ErrMalformed, i)
		}
		b, err := B64.DecodeString(p)
		if err != nil {
			return nil, fmt.Errorf("%w: part %d is not canonical base64url", ErrMalformed, i)
		}
		dec[i] = b
	}
	fields, err := strictjson.DecodeObject(dec[0])
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	h := Header{Fields: fields}
	alg, ok := fields["alg"].(string)
	if !ok {
		return nil, fmt.Errorf("%w: header alg missing or not a string", ErrMalformed)
	}
	h.Alg = Algorithm(alg)
	allowed := e.Algorithms
	if len(allowed) == 0 {
		allowed = defaultAlgorithms
	}
	s, known := suites[h.Alg]
	if !known || !slices.Contains(allowed, h.Alg) {
		return nil, fmt.Errorf("%w: %q", ErrAlgorithm, clip(alg))
	}
	if _, present := fields["crit"]; present {
		return nil, fmt.Errorf("%w: critical header extensions are not supported", ErrMalformed)
	}
	typ, present := fields["typ"]
	if h.Typ, ok = typ.(string); !ok && (present || !e.TypOptional) {
		return nil, fmt.Errorf("%w: %w: header typ missing or not a string, want %s", ErrMalformed, ErrType, e.Typ)
	}
	if present && !TypIs(h.Typ, e.Typ) {
		return nil, fmt.Errorf("%w: %w: typ %q, want %s", ErrMalformed, ErrType, clip(h.Typ), e.Typ)
	}
	if v, present := fields["kid"]; present {
		if h.KeyID, ok = v.(string); !ok {
			return nil, fmt.Errorf("%w: header kid not a string", ErrMalformed)
		}
	}
	obj, err := strictjson.DecodeObject(dec[1])
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	if len(dec[2]) != s.sigSize {
		return nil, fmt.Errorf("%w: signature is not %d bytes", ErrMalformed, s.sigSize)
	}
	return &Token{Header: h, Payload: dec[1], raw: token, sig: dec[2], object: obj, suite: s}, nil
}

// isBase64URL reports whether c is in the base64url alphabet (RFC 4648 §5).
func isBase64URL(c byte) bool { return base64URL[c] }

var base64URL = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
		t[c] = true
	}
	return t
}()

// clip bounds a header value repeated in a message to 64 bytes, cut on a
// rune boundary.
func clip(s string) string {
	const maxBytes = 64
	if len(s) <= maxBytes {
		return s
	}
	cut := maxBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Verify checks the signature with the keys src gives for t and returns
// the payload. A key is usable if its key type fits the token's algorithm,
// its "use" (if set) is "sig" and its "alg" (if set) is the token's.
// Errors wrap ErrUnknownKey (no usable key), ErrSignature, or the error
// src returned.
func (t *Token) Verify(src KeySource) ([]byte, error) {
	if src == nil {
		return nil, errors.New("jws: no key source")
	}
	keys, err := src.Keys(t)
	if err != nil {
		return nil, fmt.Errorf("jws: finding the key: %w", err)
	}
	usable := make([]crypto.PublicKey, 0, 2) // one key, or two during a rotation
	for _, k := range keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != string(t.Header.Alg) {
			continue
		}
		if pub, ok := t.suite.publicKey(k.Key); ok {
			usable = append(usable, pub)
		}
	}
	if len(usable) == 0 {
		return nil, fmt.Errorf("%w: no usable %s key (kid %q)", ErrUnknownKey, t.Header.Alg, clip(t.Header.KeyID))
	}
	if t.suite.verify != nil {
		// Parse checked the compact form, the header and the signature's
		// length, so the signing input is the token up to its last dot.
		input := t.raw[:strings.LastIndexByte(t.raw, '.')]
		for _, pub := range usable {
			if t.suite.verify(pub, input, t.sig) {
				return t.Payload, nil
			}
		}
		return nil, ErrSignature
	}
	obj, err := jose.ParseSignedCompact(t.raw, []jose.SignatureAlgorithm{t.suite.jose})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	for _, pub := range usable {
		if payload, err := obj.Verify(pub); err == nil {
			return payload, nil
		}
	}
	return nil, ErrSignature
}

// Verify parses token under e and verifies its signature with e.Keys,
// returning the protected header and the payload (a JSON object). Errors
// are Parse's and Token.Verify's.
func Verify(token string, e Expect) (Header, []byte, error) {
	t, err := Parse(token, e)
	if err != nil {
		return Header{}, nil, err
	}
	payload, err := t.Verify(e.Keys)
	if err != nil {
		return Header{}, nil, err
	}
	return t.Header, payload, nil
}

// VerifyObject is Verify returning the payload as the JSON object Parse
// decoded strictly (strictjson.DecodeObject), so that a caller reading
// generic claims does not decode it a second time. The map is the
// caller's.
func VerifyObject(token string, e Expect) (Header, map[string]any, error) {
	t, err := Parse(token, e)
	if err != nil {
		return Header{}, nil, err
	}
	if _, err := t.Verify(e.Keys); err != nil {
		return Header{}, nil, err
	}
	return t.Header, t.object, nil
}

// VerifyClaims is Verify that also decodes the payload into claims with
// DecodeClaims.
func VerifyClaims(token string, e Expect, claims any) (Header, error) {
	h, payload, err := Verify(token, e)
	if err != nil {
		return Header{}, err
	}
	if err := DecodeClaims(payload, claims); err != nil {
		return Header{}, err
	}
	return h, nil
}

// DecodeClaims decodes a payload into v (a pointer to a struct or map)
// with strictjson, ignoring claims v has no field for (RFC 7519 §4). A
// caller that owns the token's format and wants unknown claims refused
// uses strictjson.Unmarshal instead. Errors wrap ErrMalformed.
func DecodeClaims(payload []byte, v any) error {
	if err := strictjson.Unmarshal(payload, v, strictjson.IgnoreUnknownFields); err != nil {
		return fmt.Errorf("%w: claims: %w", ErrMalformed, err)
	}
	return nil
}

// KeySource gives the keys that may have signed a token.
type KeySource interface {
	// Keys returns the candidate keys for t, whose header and payload are
	// checked but whose signature is not. An error is returned to the
	// caller of Verify wrapped; no keys is ErrUnknownKey.
	Keys(t *Token) ([]jose.JSONWebKey, error)
}

// KeyFunc is a KeySource written as a function, for keys found from the
// unverified token: by its kid in storage, by its issuer in a trust list.
type KeyFunc func(t *Token) ([]jose.JSONWebKey, error)

// Keys implements KeySource.
func (f KeyFunc) Keys(t *Token) ([]jose.JSONWebKey, error) { return f(t) }

// ByKeyID looks the token's kid up in set; a token without kid has no key
// (ErrUnknownKey).
func ByKeyID(set jose.JSONWebKeySet) KeySource {
	return KeyFunc(func(t *Token) ([]jose.JSONWebKey, error) {
		if t.Header.KeyID == "" {
			return nil, fmt.Errorf("%w: the header has no kid", ErrUnknownKey)
		}
		return keysWithID(set, t.Header.KeyID), nil
	})
}

// keysWithID is set.Key(kid), the keys of set with that key ID, without
// copying them when they are adjacent in set (a single key, say).
func keysWithID(set jose.JSONWebKeySet, kid string) []jose.JSONWebKey {
	first, last := -1, -1
	n := 0
	for i := range set.Keys {
		if set.Keys[i].KeyID == kid {
			if first < 0 {
				first = i
			}
			last = i
			n++
		}
	}
	switch {
	case n == 0:
		return nil
	case last-first+1 == n:
		return set.Keys[first : last+1 : last+1]
	}
	return set.Key(kid)
}

// ByKeyIDOrAll looks the token's kid up in set, or tries every key of set
// when the token names none.
func ByKeyIDOrAll(set jose.JSONWebKeySet) KeySource {
	return KeyFunc(func(t *Token) ([]jose.JSONWebKey, error) {
		if t.Header.KeyID == "" {
			return set.Keys, nil
		}
		return set.Key(t.Header.KeyID), nil
	})
}

// PublicKey is the one key pub, whatever the token's kid.
func PublicKey(pub crypto.PublicKey) KeySource {
	return &publicKey{{Key: pub}}
}

// publicKey is PublicKey's source: its one key, made once.
type publicKey [1]jose.JSONWebKey

// Keys implements KeySource.
func (p *publicKey) Keys(*Token) ([]jose.JSONWebKey, error) { return p[:], nil }

// Sign returns a compact JWS over payload with the protected header
// {"alg", "kid", "typ"}: the algorithm of key's suite (ES256 for a P-256
// key), kid omitted when empty. typ is required (explicit typing). key may
// be opaque, such as a key in an HSM.
func Sign(key crypto.Signer, typ, kid string, payload []byte) (string, error) {
	if key == nil {
		return "", fmt.Errorf("%w: nil signer", ErrKey)
	}
	if typ == "" {
		return "", errors.New("jws: sign: typ is required")
	}
	alg, ok := signingAlgorithm(key.Public())
	if !ok {
		return "", ErrKey
	}
	return sign(alg, key, typ, kid, false, payload)
}

// SignWithJWK is Sign with the public key of key in the protected header's
// "jwk" (RFC 7515 §4.1.3) and no kid: a proof of possession of a new key,
// such as a wallet's device proof, which Header.JWK reads back.
func SignWithJWK(key crypto.Signer, typ string, payload []byte) (string, error) {
	if key == nil {
		return "", fmt.Errorf("%w: nil signer", ErrKey)
	}
	if typ == "" {
		return "", errors.New("jws: sign: typ is required")
	}
	alg, ok := signingAlgorithm(key.Public())
	if !ok {
		return "", ErrKey
	}
	return sign(alg, key, typ, "", true, payload)
}

func sign(alg Algorithm, key crypto.Signer, typ, kid string, embedJWK bool, payload []byte) (string, error) {
	if s := suites[alg]; s.sign != nil {
		var jwk json.RawMessage
		if embedJWK {
			b, err := JWK{Key: key.Public()}.MarshalJSON()
			if err != nil {
				return "", fmt.Errorf("jws: sign: %w", err)
			}
			jwk = b
		}
		return signCompact(s, alg, key, typ, kid, jwk, payload)
	}
	opts := (&jose.SignerOptions{EmbedJWK: embedJWK}).WithType(jose.ContentType(typ))
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: suites[alg].jose, Key: cryptosigner.Opaque(key)}, opts)
	if err != nil {
		return "", fmt.Errorf("jws: new signer: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("jws: sign: %w", err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("jws: serialize: %w", err)
	}
	return out, nil
}

// SignClaims is Sign over the JSON encoding of claims.
func SignClaims(key crypto.Signer, typ, kid string, claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jws: encoding claims: %w", err)
	}
	return Sign(key, typ, kid, payload)
}

// P256 returns the P-256 public key of a JWK holding a P-256 ECDSA public
// or private key.
func P256(k *jose.JSONWebKey) (*ecdsa.PublicKey, bool) {
	if k == nil {
		return nil, false
	}
	return p256(k.Key)
}

// signES256 signs the SHA-256 of signingInput with key, a P-256 key (Sign
// chose ES256 for it by signingAlgorithm), and returns the signature as
// JWS has it (RFC 7518 §3.4). key may be any crypto.Signer (a key in
// memory, a hardware module): ECDSA signers return the ASN.1 form, which
// is read into R and S; fixedRS refuses anything longer than P-256's.
func signES256(key crypto.Signer, signingInput []byte) ([]byte, error) {
	h := sha256.Sum256(signingInput)
	der, err := key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("jws: ES256 sign: %w", err)
	}
	sig, ok := fixedRS(der)
	if !ok {
		return nil, errors.New("jws: ES256 sign: the signer returned an unreadable signature")
	}
	return sig, nil
}

// verifyES256 checks an ES256 signature (RFC 7518 §3.4: R and S as 32
// big-endian bytes each) over the SHA-256 of signingInput.
func verifyES256(pub crypto.PublicKey, signingInput string, sig []byte) bool {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || len(sig) != 64 {
		return false
	}
	h := SHA256(signingInput)
	var der [72]byte
	return ecdsa.VerifyASN1(k, h[:], asn1Signature(der[:0], sig))
}

// asn1Signature appends to dst the DER encoding (SEQUENCE of two INTEGERs,
// SEC 1 §C.8) of the signature r‖s, each half 32 big-endian bytes, as
// ecdsa.VerifyASN1 takes it: at most 72 bytes. ecdsa.Verify would take r
// and s as big.Ints and build the same encoding itself, allocating the
// big.Ints, their bytes and the builder's buffers on every verification.
// Values VerifyASN1 refuses (zero, or not below the group order) are
// encoded all the same, and refused there.
func asn1Signature(dst, sig []byte) []byte {
	r, s := minimal(sig[:32]), minimal(sig[32:])
	dst = append(dst, 0x30, byte(derIntegerLen(r)+derIntegerLen(s)))
	return appendDERInteger(appendDERInteger(dst, r), s)
}

// minimal is the unsigned big-endian b without its leading zero bytes,
// one kept for zero.
func minimal(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// derIntegerLen is the length of the DER INTEGER of the unsigned minimal
// b (tag and length included): a zero byte goes in front when the first
// bit is set, so that the value stays positive.
func derIntegerLen(b []byte) int {
	return 2 + len(b) + int(b[0]>>7)
}

func appendDERInteger(dst, b []byte) []byte {
	dst = append(dst, 0x02, byte(derIntegerLen(b)-2))
	if b[0]&0x80 != 0 {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}

// SHA256 is sha256.Sum256 of the bytes of s, without copying s (a token
// of some kilobytes) into a new byte slice first.
func SHA256(s string) [sha256.Size]byte {
	h := sha256.New()
	var buf [512]byte
	for len(s) > 0 {
		n := copy(buf[:], s)
		h.Write(buf[:n])
		s = s[n:]
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

func p256(key any) (*ecdsa.PublicKey, bool) {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		if k != nil && k.Curve == elliptic.P256() {
			return k, true
		}
	case *ecdsa.PrivateKey:
		if k != nil && k.Curve == elliptic.P256() {
			return &k.PublicKey, true
		}
	}
	return nil, false
}
