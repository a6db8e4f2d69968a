package credential

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/subtle"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/guardianconsent"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// DefaultMaxKBAge is how old a key-binding JWT may be when
// PresentationOptions.MaxKBAge is zero.
const DefaultMaxKBAge = 5 * time.Minute

// Credential is a verified 网证.
type Credential struct {
	// Claims are the verified claims; Claims.Disclosable holds the same
	// claims as Disclosed except ClaimWanghao, whose value is in
	// Claims.Wanghao ("" when not disclosed).
	Claims Claims
	// Disclosed are the selectively disclosable top-level claims whose
	// disclosures were presented, ClaimWanghao included when disclosed.
	Disclosed map[string]any
	// Payload is the whole issuer-signed payload after processing the
	// disclosures (RFC 9901 §7.1), without _sd and _sd_alg.
	Payload map[string]any
	// Raw is the SD-JWT or presentation exactly as verified.
	Raw string
	// KeyID is the kid of the issuer key that verified it.
	KeyID string
	// KeyBinding is the verified key-binding JWT; nil from Verify.
	KeyBinding *KeyBinding
}

// KeyBinding holds the verified claims of a key-binding JWT.
type KeyBinding struct {
	IssuedAt        time.Time
	Audience, Nonce string
	// GuardianConsent is the verified guardian consent statement, when the
	// holder is under 14 (nil otherwise).
	GuardianConsent *guardianconsent.Statement
}

// UnderFourteen reports whether the credential says its holder is under
// 14: its plaintext ClaimGuardianConsentRequired, or a disclosed
// age_over_14 of false (a credential issued before that claim existed).
func (c *Credential) UnderFourteen() bool {
	return c.Claims.GuardianConsentRequired || c.Disclosed["age_over_14"] == false
}

// PresentationOptions are what a relying party expects of a presentation.
type PresentationOptions struct {
	// Keys are the platform's issuer keys, looked up by kid. The suite of
	// the key that verifies the issuer signature (ES256 for P-256, SM2)
	// decides the digests: _sd_alg must be that suite's ("sha-256" or
	// "sm3", docs/sm-profile.md §4), and sd_hash is under its hash.
	Keys jose.JSONWebKeySet
	// Suite, if valid, is the deployment's suite: an SD-JWT signed by a
	// key of another suite is refused (ErrUnsupported) even when Keys
	// holds that key. The zero Suite leaves the choice to Keys.
	Suite suite.Suite
	// Audience and Nonce must equal the key-binding JWT's aud and nonce.
	Audience, Nonce string
	// Now is the verification time.
	Now time.Time
	// MaxKBAge bounds the key-binding JWT's age; zero means
	// DefaultMaxKBAge.
	MaxKBAge time.Duration
	// Leeway tolerates clock skew in every time check; negative is zero.
	Leeway time.Duration
}

// Verify checks an issued SD-JWT `<jwt>~<d1>~…~<dn>~` (no key binding)
// against the issuer keys at now: the signature by the key with the
// header's kid (ES256, or SM2), typ, the disclosures under the hash of
// that key's suite (_sd_alg "sha-256" for ES256, "sm3" for SM2), the required claims (iss, iat, exp,
// vct, cnf.jwk, status.status_list; a jti, when present, must be a
// non-empty string) and nbf/iat/exp without leeway.
// The 网号 is not required: it is a selectively disclosable claim (or, in
// a credential issued before it was, a plaintext one), and when present
// must be a non-empty string. It is what the holder's wallet runs on receipt; relying parties
// use VerifyPresentation.
func Verify(sdjwt string, keys jose.JSONWebKeySet, now time.Time) (*Credential, error) {
	return VerifyWithLeeway(sdjwt, keys, now, 0)
}

// VerifyWithLeeway is Verify tolerating a clock skew of leeway between the
// issuer and the verifier in the nbf, iat and exp checks: a wallet whose
// clock is a little behind the platform's must not reject a credential it
// has just been issued.
func VerifyWithLeeway(sdjwt string, keys jose.JSONWebKeySet, now time.Time, leeway time.Duration) (*Credential, error) {
	sd, err := Parse(sdjwt)
	if err != nil {
		return nil, err
	}
	if sd.KeyBinding != "" {
		return nil, fmt.Errorf("%w: unexpected key-binding JWT (use VerifyPresentation)", ErrMalformed)
	}
	cred, _, _, err := verifyIssued(sd, keys, suite.Suite{}, now, max(leeway, 0))
	if err != nil {
		return nil, err
	}
	cred.Raw = sdjwt
	return cred, nil
}

// DecodeUnverified decodes an issued SD-JWT `<jwt>~<d1>~…~<dn>~` and
// applies its disclosures by the same rules as Verify, but checks neither
// the issuer signature nor any time. It is for a holder's wallet reading
// back a credential it verified when it was issued (for example to learn
// the 网号 from its disclosure); a relying party must use
// VerifyPresentation.
func DecodeUnverified(sdjwt string) (*Credential, error) {
	sd, err := Parse(sdjwt)
	if err != nil {
		return nil, err
	}
	if sd.KeyBinding != "" {
		return nil, fmt.Errorf("%w: unexpected key-binding JWT", ErrMalformed)
	}
	tok, err := jws.Parse(sd.JWT, jws.Expect{Typ: TypSDJWT})
	if err != nil {
		return nil, fmt.Errorf("issuer-signed JWT: %w", mapJWSError(err))
	}
	payload := tok.UnverifiedObject()
	st, err := holderSuite(payload)
	if err != nil {
		return nil, err
	}
	sd.setDigests(st)
	cred, _, _, err := decodeIssued(payload, sd.Disclosures, st, false)
	if err != nil {
		return nil, err
	}
	cred.Raw, cred.KeyID = sdjwt, tok.Header.KeyID
	return cred, nil
}

// VerifyPresentation verifies a presentation `<jwt>~<d…>~<kb-jwt>`: everything
// Verify checks (with o.Leeway), then that a key-binding JWT is present,
// has typ kb+jwt and the algorithm of the key in cnf.jwk, is signed by
// that key, that its sd_hash (under the hash of the issuer key's suite)
// covers exactly this presentation, its aud and nonce equal
// o.Audience and o.Nonce, and its iat is neither in the future nor older
// than o.MaxKBAge.
func VerifyPresentation(p string, o PresentationOptions) (*Credential, error) {
	sd, err := Parse(p)
	if err != nil {
		return nil, err
	}
	leeway := max(o.Leeway, 0)
	maxAge := o.MaxKBAge
	if maxAge <= 0 {
		maxAge = DefaultMaxKBAge
	}
	cred, holder, st, err := verifyIssued(sd, o.Keys, o.Suite, o.Now, leeway)
	if err != nil {
		return nil, err
	}
	if sd.KeyBinding == "" {
		return nil, fmt.Errorf("%w: no key-binding JWT", ErrKeyBinding)
	}
	_, kbClaims, err := jws.VerifyObject(sd.KeyBinding, jws.Expect{Typ: TypKB, Keys: jws.PublicKey(holder)})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyBinding, err)
	}
	var kb KeyBinding
	var sdHash string
	var errs []error
	kb.IssuedAt, err = numericDate(kbClaims, "iat", true)
	errs = appendErr(errs, err)
	kb.Audience, err = stringClaim(kbClaims, "aud", true)
	errs = appendErr(errs, err)
	kb.Nonce, err = stringClaim(kbClaims, "nonce", true)
	errs = appendErr(errs, err)
	sdHash, err = stringClaim(kbClaims, "sd_hash", true)
	errs = appendErr(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyBinding, err)
	}
	want := st.SumString(p[:len(p)-len(sd.KeyBinding)])
	var wantB64 [43]byte // unpadded base64url of 32 bytes
	jws.B64.Encode(wantB64[:], want[:])
	if !equalConstantTime(sdHash, wantB64[:]) {
		return nil, fmt.Errorf("%w: sd_hash does not match the presentation", ErrKeyBinding)
	}
	if o.Audience == "" || kb.Audience != o.Audience {
		return nil, ErrAudience
	}
	if o.Nonce == "" || subtle.ConstantTimeCompare([]byte(kb.Nonce), []byte(o.Nonce)) != 1 {
		return nil, ErrNonce
	}
	if kb.IssuedAt.After(o.Now.Add(leeway)) {
		return nil, fmt.Errorf("%w: iat is in the future", ErrStale)
	}
	if o.Now.Sub(kb.IssuedAt) > maxAge+leeway {
		return nil, fmt.Errorf("%w: older than %v", ErrStale, maxAge)
	}
	if cred.UnderFourteen() {
		st, err := guardianConsent(kbClaims, cred, o)
		if err != nil {
			return nil, err
		}
		kb.GuardianConsent = &st
	}
	cred.Raw = p
	cred.KeyBinding = &kb
	return cred, nil
}

// guardianConsent checks the guardian consent statement an under-14
// holder's key-binding JWT must carry: signed by the credential's issuer
// (o.Keys), for o.Audience, naming the key that signed the key-binding
// JWT, and valid now.
func guardianConsent(kb map[string]any, cred *Credential, o PresentationOptions) (guardianconsent.Statement, error) {
	v, ok := kb[guardianconsent.ClaimInKeyBinding]
	if !ok {
		return guardianconsent.Statement{}, fmt.Errorf("%w: the holder is under 14 and the presentation carries no guardian consent for this relying party", ErrGuardianConsent)
	}
	tok, ok := v.(string)
	if !ok {
		return guardianconsent.Statement{}, fmt.Errorf("%w: claim %s is not a string", ErrGuardianConsent, guardianconsent.ClaimInKeyBinding)
	}
	jkt, err := guardianconsent.Thumbprint(cred.Claims.Holder)
	if err != nil {
		return guardianconsent.Statement{}, fmt.Errorf("%w: %w", ErrGuardianConsent, err)
	}
	st, err := guardianconsent.Verify(tok, guardianconsent.Expect{
		Keys: o.Keys, Issuer: cred.Claims.Issuer, Audience: o.Audience, KeyThumbprint: jkt, Now: o.Now, Leeway: max(o.Leeway, 0),
	})
	if err != nil {
		return guardianconsent.Statement{}, fmt.Errorf("%w: %w", ErrGuardianConsent, err)
	}
	return st, nil
}

// verifyIssued verifies the issuer-signed part of sd and returns the
// credential, the holder's public key and the suite of the issuer key,
// whose hash made the digests; want, if valid, must be that suite.
func verifyIssued(sd *SDJWT, keys jose.JSONWebKeySet, want suite.Suite, now time.Time, leeway time.Duration) (*Credential, *ecdsa.PublicKey, suite.Suite, error) {
	var none suite.Suite
	h, payload, err := jws.VerifyObject(sd.JWT, jws.Expect{Typ: TypSDJWT, Keys: jws.ByKeyID(keys)})
	if err != nil {
		return nil, nil, none, fmt.Errorf("issuer-signed JWT: %w", mapJWSError(err))
	}
	st, ok := suite.ForAlgorithm(h.Alg)
	if !ok {
		return nil, nil, none, fmt.Errorf("%w: issuer-signed JWT: no suite signs with %s", ErrSignature, h.Alg)
	}
	if want.Valid() && st != want {
		return nil, nil, none, fmt.Errorf("%w: issuer-signed JWT: signed with %s, not with the %s suite's %s", ErrUnsupported, h.Alg, want, want.SignatureAlgorithm())
	}
	sd.setDigests(st)
	cred, holder, _, err := decodeIssued(payload, sd.Disclosures, st, false)
	if err != nil {
		return nil, nil, none, err
	}
	if alg, _ := jws.AlgorithmFor(holder); alg != h.Alg {
		// The holder's key is of the issuer's suite (an SM2 key under an
		// SM2 signature), so a key-binding JWT is in the credential's
		// suite too.
		return nil, nil, none, fmt.Errorf("%w: claim cnf.jwk is a key of %s, the credential is signed with %s", ErrMalformed, alg, h.Alg)
	}
	cred.KeyID = h.KeyID
	c := cred.Claims
	if !now.Before(c.ExpiresAt.Add(leeway)) { // RFC 7519 §4.1.4: now must be before exp
		return nil, nil, none, ErrExpired
	}
	if now.Add(leeway).Before(c.NotBefore) {
		return nil, nil, none, fmt.Errorf("%w: nbf is in the future", ErrNotYetValid)
	}
	if now.Add(leeway).Before(c.IssuedAt) {
		return nil, nil, none, fmt.Errorf("%w: iat is in the future", ErrNotYetValid)
	}
	return cred, holder, st, nil
}

func mapJWSError(err error) error {
	switch {
	case errors.Is(err, jws.ErrUnknownKey):
		return fmt.Errorf("%w: %w", ErrUnknownKey, err)
	case errors.Is(err, jws.ErrAlgorithm), errors.Is(err, jws.ErrSignature):
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return fmt.Errorf("%w: %w", ErrMalformed, err)
}

// decodeIssued applies the disclosures to the issuer-signed payload (a
// strictly decoded JSON object, which becomes the credential's Payload)
// and extracts the claims. It checks no signature and no time. children
// is process's; st is the suite whose hash made the disclosures' digests.
func decodeIssued(payload map[string]any, discs []Disclosure, st suite.Suite, children bool) (*Credential, *ecdsa.PublicKey, *processed, error) {
	pr, err := process(payload, discs, st, children)
	if err != nil {
		return nil, nil, nil, err
	}
	for name := range pr.topLevel {
		if slices.Contains(plaintextClaims, name) {
			return nil, nil, nil, fmt.Errorf("%w: claim %q must not be selectively disclosable", ErrMalformed, name)
		}
	}
	cl := pr.claims
	var c Claims
	var errs []error
	var e error
	c.Issuer, e = stringClaim(cl, "iss", true)
	errs = appendErr(errs, e)
	c.VCT, e = stringClaim(cl, "vct", true)
	errs = appendErr(errs, e)
	if _, ok := cl["jti"]; ok { // credentials issued before the jti was left out
		c.ID, e = stringClaim(cl, "jti", true)
		errs = appendErr(errs, e)
	}
	if _, ok := cl[ClaimWanghao]; ok {
		// Disclosed, or plaintext in a credential issued before the 网号
		// was selectively disclosable (the processing rules reject both at
		// once as a collision).
		c.Wanghao, e = stringClaim(cl, ClaimWanghao, true)
		errs = appendErr(errs, e)
	}
	c.IssuedAt, e = numericDate(cl, "iat", true)
	errs = appendErr(errs, e)
	c.NotBefore, e = numericDate(cl, "nbf", false)
	errs = appendErr(errs, e)
	c.ExpiresAt, e = numericDate(cl, "exp", true)
	errs = appendErr(errs, e)
	c.Status, e = statusClaim(cl)
	errs = appendErr(errs, e)
	var holder *ecdsa.PublicKey
	c.Holder, holder, e = cnfClaim(cl)
	errs = appendErr(errs, e)
	if v, ok := cl[ClaimGuardianConsentRequired]; ok {
		if b, isBool := v.(bool); isBool {
			c.GuardianConsentRequired = b
		} else {
			errs = append(errs, fmt.Errorf("claim %s is not a boolean", ClaimGuardianConsentRequired))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	disclosed := make(map[string]any, len(pr.topLevel))
	c.Disclosable = make(map[string]any, len(pr.topLevel))
	for name := range pr.topLevel {
		disclosed[name] = cl[name]
		if name != ClaimWanghao {
			c.Disclosable[name] = cl[name]
		}
	}
	return &Credential{Claims: c, Disclosed: disclosed, Payload: cl}, holder, pr, nil
}

// appendErr appends err to errs if it is not nil, so that a valid token
// costs no allocation for the errors it did not have.
func appendErr(errs []error, err error) []error {
	if err != nil {
		errs = append(errs, err)
	}
	return errs
}

// equalConstantTime reports whether s and b hold the same bytes, in a
// time that depends on their lengths only (subtle.ConstantTimeCompare
// without converting s to a byte slice).
func equalConstantTime(s string, b []byte) bool {
	if len(s) != len(b) {
		return false
	}
	var v byte
	for i := range len(b) {
		v |= s[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

func stringClaim(m map[string]any, name string, required bool) (string, error) {
	v, ok := m[name]
	if !ok {
		if required {
			return "", fmt.Errorf("claim %s is missing", name)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok || (required && s == "") {
		return "", fmt.Errorf("claim %s is not a non-empty string", name)
	}
	return s, nil
}

// maxNumericDate is 9999-12-31T23:59:59Z; later dates are rejected so time
// arithmetic cannot overflow.
const maxNumericDate = 253402300799

func numericDate(m map[string]any, name string, required bool) (time.Time, error) {
	v, ok := m[name]
	if !ok {
		if required {
			return time.Time{}, fmt.Errorf("claim %s is missing", name)
		}
		return time.Time{}, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, fmt.Errorf("claim %s is not a number", name)
	}
	if i, err := n.Int64(); err == nil {
		if i < 0 || i > maxNumericDate {
			return time.Time{}, fmt.Errorf("claim %s is out of range", name)
		}
		return time.Unix(i, 0).UTC(), nil
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, fmt.Errorf("claim %s is out of range", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

func statusClaim(m map[string]any) (Status, error) {
	st, ok := m["status"].(map[string]any)
	if !ok {
		return Status{}, fmt.Errorf("claim status is missing or not an object")
	}
	sl, ok := st["status_list"].(map[string]any)
	if !ok {
		return Status{}, fmt.Errorf("claim status.status_list is missing or not an object")
	}
	uri, err := stringClaim(sl, "uri", true)
	if err != nil {
		return Status{}, fmt.Errorf("status.status_list: %w", err)
	}
	n, ok := sl["idx"].(json.Number)
	if !ok {
		return Status{}, fmt.Errorf("claim status.status_list.idx is not a number")
	}
	idx, err := n.Int64()
	if err != nil || idx < 0 {
		return Status{}, fmt.Errorf("claim status.status_list.idx is not a non-negative integer")
	}
	return Status{URI: uri, Index: idx}, nil
}

func cnfClaim(m map[string]any) (*jose.JSONWebKey, *ecdsa.PublicKey, error) {
	cnf, ok := m["cnf"].(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("claim cnf is missing or not an object")
	}
	raw, ok := cnf["jwk"].(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("claim cnf.jwk is missing or not an object")
	}
	if _, private := raw["d"]; private {
		return nil, nil, fmt.Errorf("claim cnf.jwk holds a private key")
	}
	if k, pub, ok := plainP256JWK(raw); ok {
		return k, pub, nil
	}
	// Any other JWK: an SM2 key (docs/sm-profile.md) or what go-jose
	// reads, which must be a P-256 or SM2 public key.
	k, err := jws.PublicJWKFromObject(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("claim cnf.jwk is not a valid public JWK")
	}
	pub, ok := k.Key.(*ecdsa.PublicKey)
	if _, known := jws.AlgorithmFor(k.Key); !ok || !known {
		return nil, nil, fmt.Errorf("claim cnf.jwk is neither a P-256 nor an SM2 public key")
	}
	return k, pub, nil
}

// plainP256JWK reads the JWK a wallet puts in cnf.jwk, exactly the members
// kty "EC", crv "P-256" and x and y of 32 bytes each on the curve, without
// a round trip through JSON; ok is false for any other JWK, which go-jose
// then reads (and refuses, if it is not a P-256 public key). What it
// returns equals what go-jose returns for the same members.
func plainP256JWK(raw map[string]any) (k *jose.JSONWebKey, pub *ecdsa.PublicKey, ok bool) {
	const coord = 43 // base64url of 32 bytes, unpadded
	if len(raw) != 4 || raw["kty"] != "EC" || raw["crv"] != "P-256" {
		return nil, nil, false
	}
	x, _ := raw["x"].(string)
	y, _ := raw["y"].(string)
	if len(x) != coord || len(y) != coord {
		return nil, nil, false
	}
	var point [65]byte // SEC 1 uncompressed: 0x04 || x || y
	point[0] = 4
	if n, err := jws.B64.Decode(point[1:33], []byte(x)); err != nil || n != 32 {
		return nil, nil, false
	}
	if n, err := jws.B64.Decode(point[33:], []byte(y)); err != nil || n != 32 {
		return nil, nil, false
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point[:])
	if err != nil {
		return nil, nil, false
	}
	// The empty, non-nil slices are what go-jose leaves for the absent
	// x5c, x5t and x5t#S256.
	return &jose.JSONWebKey{Key: pub, Certificates: []*x509.Certificate{},
		CertificateThumbprintSHA1: []byte{}, CertificateThumbprintSHA256: []byte{}}, pub, true
}
