package rp

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/strictjson"
)

// Errors of signed results (VerifyResult), besides the shared ErrInvalid,
// ErrIssuer, ErrAudience, ErrNonce, ErrStale and ErrExpired.
var (
	// ErrSession: the result is the signed result of another verification
	// session than the one the relying party expects (ResultExpect.SessionID).
	ErrSession = errors.New("result for another verification session")
	// ErrLevel: the result's assurance level is below ResultExpect.MinLevel.
	ErrLevel = errors.New("result below the requested assurance level")
)

// ResultType is the JWS typ header of a signed verification result.
const ResultType = "netid-result+jwt"

// Level is an assurance level: what the holder proved in a verification.
type Level string

// The assurance levels, from low to high.
const (
	// LevelPossession: possession of the 网证 (the device key signed).
	LevelPossession Level = "possession"
	// LevelPassword: possession and the credential password (网证口令).
	LevelPassword Level = "password"
	// LevelFace: possession, password and a live face check.
	LevelFace Level = "face"
)

// ACR values of the levels, the result's acr claim (and OpenID Connect's).
const (
	ACRPossession = "urn:netid:acr:possession"
	ACRPassword   = "urn:netid:acr:password"
	ACRFace       = "urn:netid:acr:face"
)

// Rank orders the levels: 1, 2, 3, and 0 for an unknown level.
func (l Level) Rank() int {
	switch l {
	case LevelPossession:
		return 1
	case LevelPassword:
		return 2
	case LevelFace:
		return 3
	}
	return 0
}

// AtLeast reports whether l is a known level that satisfies the minimum m.
func (l Level) AtLeast(m Level) bool { return l.Rank() > 0 && l.Rank() >= m.Rank() }

// ACR is the level's acr value, or "" for an unknown level.
func (l Level) ACR() string {
	switch l {
	case LevelPossession:
		return ACRPossession
	case LevelPassword:
		return ACRPassword
	case LevelFace:
		return ACRFace
	}
	return ""
}

// ResultExpect is what the relying party expects of a signed result.
type ResultExpect struct {
	// ClientID is the relying party's client ID: the result's aud.
	// Required.
	ClientID string
	// SessionID, if set, must be the result's session (its jti). Set it
	// whenever the result did not come straight from polling that session,
	// such as a result delivered to the callback URL.
	SessionID string
	// Nonce, if set, must be the nonce given when creating the session.
	Nonce string
	// MinLevel, if set, is the least assurance level accepted.
	MinLevel Level
	// MaxAge, if positive, bounds the age of the result (its iat). Zero
	// accepts results of any age: a result is evidence the relying party
	// may keep and verify again later.
	MaxAge time.Duration
}

// Result is a verified signed result of an approved verification session.
// The platform signs results of approved sessions only: a session that
// ended otherwise has no result (see Client.Wait).
type Result struct {
	// SessionID is the verification session (the jti).
	SessionID string
	// Subject is the holder's pairwise identifier at this relying party
	// (sector): stable across verifications, different at every other
	// relying party.
	Subject string
	// Level is the assurance level reached, ACR its acr value.
	Level Level
	ACR   string
	// Purpose is the purpose the holder was shown; Nonce the relying
	// party's nonce, if it gave one.
	Purpose string
	Nonce   string
	// Claims are the claims provided, with their values: always
	// "verified" (true) and "sub", then those asked for and agreed to,
	// such as "age_over_18" or, with the holder's separate consent,
	// plaintext fields. Nothing else is in the result.
	Claims map[string]any
	// IssuedAt is when the platform signed the result.
	IssuedAt time.Time
	// Issuer is the platform (the Verifier's issuer).
	Issuer string
	// ClientID is the relying party the result is for (aud).
	ClientID string
}

// Bounds of result verification.
const (
	// maxResultBytes bounds a result before parsing: results are a few
	// hundred bytes, plaintext fields included.
	maxResultBytes = 64 << 10
	// resultLeeway tolerates clock differences with the platform.
	resultLeeway = 30 * time.Second
)

// VerifyResult verifies a signed verification result (from polling the
// session API, from Client.Wait, or from the callback): the platform's
// signature with a published key (ES256 with a P-256 key, or SM2 with an
// SM2 key on a platform of the SM suite, docs/sm-profile.md) (the keys are fetched again, at
// most once a minute, when the result names an unknown key), the typ
// header, the issuer, the audience (want.ClientID), iat (and exp or nbf,
// if present) with 30 s of leeway, and the optional expectations of want.
//
// Every failure wraps ErrInvalid; ErrIssuer, ErrAudience, ErrSession,
// ErrNonce, ErrLevel, ErrStale (iat in the future, or older than
// want.MaxAge) and ErrExpired (exp passed, nbf not reached) say more.
func (v *Verifier) VerifyResult(ctx context.Context, token string, want ResultExpect) (*Result, error) {
	if want.ClientID == "" {
		return nil, fmt.Errorf("%w: the relying party must set its client ID", ErrInvalid)
	}
	if want.MinLevel != "" && want.MinLevel.Rank() == 0 {
		return nil, fmt.Errorf("%w: unknown minimum level", ErrInvalid)
	}
	now := v.now()
	payload, err := v.verifyResultSignature(ctx, token, now)
	if err != nil {
		return nil, err
	}
	c, err := parseResultClaims(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return c.check(v.issuer, want, now)
}

// verifyResultSignature checks the JWS form, typ and signature of a result
// and returns its payload.
func (v *Verifier) verifyResultSignature(ctx context.Context, token string, now time.Time) ([]byte, error) {
	if len(token) > maxResultBytes {
		return nil, fmt.Errorf("%w: result larger than %d bytes", ErrInvalid, maxResultBytes)
	}
	tok, err := jws.Parse(strings.TrimSpace(token), jws.Expect{Typ: ResultType})
	if errors.Is(err, jws.ErrType) {
		return nil, fmt.Errorf("%w: the result's typ is not %s", ErrInvalid, ResultType)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the result is not a compact ES256 or SM2 JWS: %w", ErrInvalid, err)
	}
	h := tok.Header
	if h.KeyID == "" || h.Fields["jwk"] != nil || h.Fields["jku"] != nil || h.Fields["x5u"] != nil || h.Fields["x5c"] != nil {
		return nil, fmt.Errorf("%w: the result must name a published key by kid, and carry no key", ErrInvalid)
	}
	keys, gen, keysAt := v.cachedKeys()
	if now.Sub(keysAt) > v.keyTTL {
		keys, gen, _ = v.refreshKeys(ctx, gen, now) // on failure keep the keys we have
	}
	key, ok := resultKey(keys, h.KeyID)
	if !ok {
		// A key rotated since the last fetch: refresh once (rate limited).
		if keys, _, fresh := v.refreshKeys(ctx, gen, now); fresh {
			key, ok = resultKey(keys, h.KeyID)
		}
	}
	if !ok {
		return nil, fmt.Errorf("%w: %w: the result is signed by a key the issuer does not publish", ErrInvalid, ErrIssuer)
	}
	payload, err := tok.Verify(jws.PublicKey(key))
	if err != nil {
		return nil, fmt.Errorf("%w: the result's signature does not verify", ErrInvalid)
	}
	return payload, nil
}

// resultKey returns the one published signing key with kid: a P-256 key
// (ES256) or an SM2 key (SM2), whose alg, if the JWK names one, is its
// own. The key's type then decides the algorithm the result must use.
func resultKey(set jose.JSONWebKeySet, kid string) (crypto.PublicKey, bool) {
	ks := set.Key(kid)
	if len(ks) != 1 {
		return nil, false
	}
	k := ks[0]
	alg, ok := jws.AlgorithmFor(k.Key)
	if !ok || !k.IsPublic() || (k.Use != "" && k.Use != "sig") || (k.Algorithm != "" && k.Algorithm != string(alg)) {
		return nil, false
	}
	return k.Key, true
}

// resultClaims are the parsed claims of a result payload, before the
// checks against the issuer, the clock and the relying party's
// expectations.
type resultClaims struct {
	iss, aud, jti, sub, acr, purpose, nonce string
	level                                   Level
	iat                                     time.Time
	exp, nbf                                time.Time // zero if absent
	claims                                  map[string]any
}

// envelope are the result's claims about the result itself, as opposed
// to the claims provided about the holder.
var envelope = map[string]bool{
	"iss": true, "aud": true, "iat": true, "exp": true, "nbf": true, "jti": true,
	"acr": true, "level": true, "purpose": true, "nonce": true,
}

// parseResultClaims parses a result payload strictly: a JSON object with
// the string claims iss, aud (a string, or an array of one string), jti,
// sub, acr and level (a known level, with its acr), purpose and optionally
// nonce; integer times iat and optionally exp and nbf; and verified = true.
// Other members are the provided claims. Its errors name the claim, never
// a value.
func parseResultClaims(payload []byte) (*resultClaims, error) {
	m, err := strictjson.DecodeObject(payload)
	if err != nil {
		return nil, fmt.Errorf("the result's claims are not a strict JSON object: %w", err)
	}
	c := &resultClaims{claims: map[string]any{}}
	str := func(name string, required bool) (string, error) {
		raw, ok := m[name]
		if !ok {
			if required {
				return "", fmt.Errorf("the result has no %s", name)
			}
			return "", nil
		}
		s, ok := raw.(string)
		if !ok || (required && s == "") {
			return "", fmt.Errorf("the result's %s is not a non-empty string", name)
		}
		return s, nil
	}
	for _, f := range []struct {
		name     string
		dst      *string
		required bool
	}{
		{"iss", &c.iss, true}, {"jti", &c.jti, true}, {"sub", &c.sub, true}, {"acr", &c.acr, true},
		{"purpose", &c.purpose, false}, {"nonce", &c.nonce, false},
	} {
		if *f.dst, err = str(f.name, f.required); err != nil {
			return nil, err
		}
	}
	if c.aud, err = audience(m["aud"]); err != nil {
		return nil, err
	}
	lv, err := str("level", true)
	if err != nil {
		return nil, err
	}
	c.level = Level(lv)
	if c.level.Rank() == 0 {
		return nil, errors.New("the result's level is unknown")
	}
	if c.acr != c.level.ACR() {
		return nil, errors.New("the result's acr does not match its level")
	}
	if c.iat, err = numericDate(m, "iat", true); err != nil {
		return nil, err
	}
	if c.exp, err = numericDate(m, "exp", false); err != nil {
		return nil, err
	}
	if c.nbf, err = numericDate(m, "nbf", false); err != nil {
		return nil, err
	}
	if m["verified"] != true {
		return nil, errors.New("the result does not say verified = true")
	}
	for k, v := range m {
		if !envelope[k] {
			c.claims[k] = plain(v)
		}
	}
	return c, nil
}

// audience reads aud: one string, or an array of exactly one string.
func audience(raw any) (string, error) {
	switch a := raw.(type) {
	case string:
		if a != "" {
			return a, nil
		}
	case []any:
		if len(a) == 1 {
			if s, ok := a[0].(string); ok && s != "" {
				return s, nil
			}
		}
	case nil:
		return "", errors.New("the result has no aud")
	}
	return "", errors.New("the result's aud is not one client ID")
}

// numericDate reads a NumericDate claim: whole seconds since the epoch.
func numericDate(m map[string]any, name string, required bool) (time.Time, error) {
	raw, ok := m[name]
	if !ok {
		if required {
			return time.Time{}, fmt.Errorf("the result has no %s", name)
		}
		return time.Time{}, nil
	}
	n, ok := raw.(json.Number)
	if !ok {
		return time.Time{}, fmt.Errorf("the result's %s is not a number", name)
	}
	i, err := n.Int64()
	if err != nil {
		// Fractional seconds are allowed by RFC 7519; truncate them.
		f, ferr := n.Float64()
		if ferr != nil || math.IsNaN(f) || f < 0 || f > 1<<40 {
			return time.Time{}, fmt.Errorf("the result's %s is out of range", name)
		}
		i = int64(f)
	}
	if i < 0 || i > 1<<40 {
		return time.Time{}, fmt.Errorf("the result's %s is out of range", name)
	}
	return time.Unix(i, 0), nil
}

// plain converts the json.Numbers of a decoded value to float64, as
// encoding/json decodes numbers by default, so that callers see the usual
// types (the claims defined today are booleans and strings).
func plain(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case []any:
		for i := range x {
			x[i] = plain(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = plain(x[k])
		}
	}
	return v
}

// check checks parsed claims against the issuer, the clock and want, and
// returns the Result.
func (c *resultClaims) check(issuer string, want ResultExpect, now time.Time) (*Result, error) {
	switch {
	case c.iss != issuer:
		return nil, fmt.Errorf("%w: %w: the result is issued by another platform", ErrInvalid, ErrIssuer)
	case c.aud != want.ClientID:
		return nil, fmt.Errorf("%w: %w: the result is for another relying party", ErrInvalid, ErrAudience)
	case want.SessionID != "" && c.jti != want.SessionID:
		return nil, fmt.Errorf("%w: %w", ErrInvalid, ErrSession)
	case want.Nonce != "" && c.nonce != want.Nonce:
		return nil, fmt.Errorf("%w: %w: the result carries another nonce", ErrInvalid, ErrNonce)
	case want.MinLevel != "" && !c.level.AtLeast(want.MinLevel):
		return nil, fmt.Errorf("%w: %w: reached %s, %s required", ErrInvalid, ErrLevel, c.level, want.MinLevel)
	case c.iat.After(now.Add(resultLeeway)):
		return nil, fmt.Errorf("%w: %w: the result is dated in the future", ErrInvalid, ErrStale)
	case want.MaxAge > 0 && now.Sub(c.iat) > want.MaxAge+resultLeeway:
		return nil, fmt.Errorf("%w: %w: the result is older than %s", ErrInvalid, ErrStale, want.MaxAge)
	case !c.exp.IsZero() && now.After(c.exp.Add(resultLeeway)):
		return nil, fmt.Errorf("%w: %w: the result has expired", ErrInvalid, ErrExpired)
	case !c.nbf.IsZero() && c.nbf.After(now.Add(resultLeeway)):
		return nil, fmt.Errorf("%w: %w: the result is not valid yet", ErrInvalid, ErrExpired)
	}
	return &Result{
		SessionID: c.jti,
		Subject:   c.sub,
		Level:     c.level,
		ACR:       c.acr,
		Purpose:   c.purpose,
		Nonce:     c.nonce,
		Claims:    c.claims,
		IssuedAt:  c.iat,
		Issuer:    c.iss,
		ClientID:  c.aud,
	}, nil
}
