package statuslist

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/strictjson"
)

// TypToken is the typ of a status list token (§5.1).
const TypToken = "statuslist+jwt"

// Sign returns the status list token for l published at uri: an ES256 JWT
// with kid, sub = uri, iat, exp = iat + validity, ttl (whole seconds;
// omitted when zero) and status_list {bits, lst}.
func Sign(l *List, uri string, key crypto.Signer, kid string, iat time.Time, ttl, validity time.Duration) (string, error) {
	switch {
	case l == nil:
		return "", fmt.Errorf("%w: nil list", ErrRange)
	case uri == "":
		return "", fmt.Errorf("%w: empty uri", ErrRange)
	case kid == "":
		return "", fmt.Errorf("%w: empty kid", ErrRange)
	case validity < time.Second:
		return "", fmt.Errorf("%w: validity must be at least a second", ErrRange)
	case ttl < 0 || (ttl > 0 && ttl < time.Second):
		return "", fmt.Errorf("%w: ttl must be zero or at least a second", ErrRange)
	}
	lst, err := l.Encode()
	if err != nil {
		return "", err
	}
	claims := map[string]any{
		"sub":         uri,
		"iat":         iat.Unix(),
		"exp":         iat.Add(validity).Unix(),
		"status_list": map[string]any{"bits": l.bits, "lst": lst},
	}
	if ttl > 0 {
		claims["ttl"] = int64(ttl / time.Second)
	}
	body, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("statuslist: encoding claims: %w", err)
	}
	tok, err := jws.Sign(key, TypToken, kid, body)
	if err != nil {
		return "", fmt.Errorf("statuslist: signing: %w", err)
	}
	return tok, nil
}

// Verify checks a status list token against keys at now (ES256 only, kid
// lookup, typ statuslist+jwt, sub == uri, iat not in the future, exp not
// passed) and returns its list and ttl (zero if absent).
func Verify(token string, keys jose.JSONWebKeySet, uri string, now time.Time) (*List, time.Duration, error) {
	return VerifyWithLeeway(token, keys, uri, now, 0)
}

// VerifyWithLeeway is Verify tolerating a clock skew of leeway between
// the platform that signed the token and the caller: an iat up to leeway
// ahead of now, and an exp up to leeway behind it, are accepted. A
// negative leeway is zero.
func VerifyWithLeeway(token string, keys jose.JSONWebKeySet, uri string, now time.Time, leeway time.Duration) (*List, time.Duration, error) {
	leeway = max(leeway, 0)
	_, body, err := jws.Verify(token, jws.Expect{Typ: TypToken, Keys: jws.ByKeyID(keys)})
	if err != nil {
		switch {
		case errors.Is(err, jws.ErrUnknownKey):
			return nil, 0, fmt.Errorf("%w: %w", ErrUnknownKey, err)
		case errors.Is(err, jws.ErrAlgorithm), errors.Is(err, jws.ErrSignature):
			return nil, 0, fmt.Errorf("%w: %w", ErrSignature, err)
		}
		return nil, 0, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	c, err := strictjson.DecodeObject(body)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: claims: %w", ErrMalformed, err)
	}
	sub, ok := c["sub"].(string)
	if !ok {
		return nil, 0, fmt.Errorf("%w: sub missing or not a string", ErrMalformed)
	}
	if sub != uri {
		return nil, 0, ErrURI
	}
	iat, err := nonNegInt(c, "iat", true)
	if err != nil {
		return nil, 0, err
	}
	exp, err := nonNegInt(c, "exp", true)
	if err != nil {
		return nil, 0, err
	}
	ttl, err := nonNegInt(c, "ttl", false)
	if err != nil {
		return nil, 0, err
	}
	if now.Add(leeway).Before(time.Unix(iat, 0)) {
		return nil, 0, ErrNotYetValid
	}
	if !now.Add(-leeway).Before(time.Unix(exp, 0)) {
		return nil, 0, ErrExpired
	}
	sl, ok := c["status_list"].(map[string]any)
	if !ok {
		return nil, 0, fmt.Errorf("%w: status_list missing or not an object", ErrMalformed)
	}
	bits, err := nonNegInt(sl, "bits", true)
	if err != nil {
		return nil, 0, err
	}
	lst, ok := sl["lst"].(string)
	if !ok {
		return nil, 0, fmt.Errorf("%w: status_list.lst missing or not a string", ErrMalformed)
	}
	l, err := Decode(int(bits), lst)
	if err != nil {
		return nil, 0, err
	}
	return l, time.Duration(ttl) * time.Second, nil
}

// maxSeconds (year 9999) keeps time arithmetic from overflowing.
const maxSeconds = 253402300799

// nonNegInt reads a non-negative integer claim (iat, exp, ttl, bits).
func nonNegInt(m map[string]any, name string, required bool) (int64, error) {
	v, ok := m[name]
	if !ok {
		if required {
			return 0, fmt.Errorf("%w: %s missing", ErrMalformed, name)
		}
		return 0, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%w: %s is not a number", ErrMalformed, name)
	}
	i, err := n.Int64()
	if err != nil || i < 0 || i > maxSeconds {
		return 0, fmt.Errorf("%w: %s is not a non-negative integer in range", ErrMalformed, name)
	}
	return i, nil
}
