package oidc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/strictjson"
	"github.com/netid-project/netid/internal/verification"
)

// Scopes the provider supports, and the claims each asks for.
const (
	ScopeOpenID   = "openid"
	ScopeAge      = "age"
	ScopeWanghao  = "wanghao"
	ScopeIdentity = "identity"
)

// ScopeClaims maps each scope to its claims. openid gives only sub (and
// the protocol claims); the identity claims are plaintext, given only to a
// relying party registered with a legal basis and only with the holder's
// separate consent in the wallet.
var ScopeClaims = map[string][]string{
	ScopeOpenID:   nil,
	ScopeAge:      {"age_over_14", "age_over_16", "age_over_18", "age_over_60", "age_band"},
	ScopeWanghao:  {"wanghao"},
	ScopeIdentity: {"name", "sex", "birthdate", "document_type", "document_number", "document_valid_until", "nationality"},
}

// Scopes lists the supported scopes in the order discovery shows them.
var Scopes = []string{ScopeOpenID, ScopeAge, ScopeWanghao, ScopeIdentity}

// protocolClaims are the ID token's own claims.
var protocolClaims = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash"}

// ClaimsSupported lists every claim the provider may return (discovery).
func ClaimsSupported() []string {
	out := slices.Clone(protocolClaims)
	for _, s := range Scopes {
		out = append(out, ScopeClaims[s]...)
	}
	return out
}

// userClaim reports whether c is a claim about the person the provider
// can return (not a protocol claim).
func userClaim(c string) bool {
	for _, cs := range ScopeClaims {
		if slices.Contains(cs, c) {
			return true
		}
	}
	return false
}

// plaintextClaim reports whether c is plaintext identity data.
func plaintextClaim(c string) bool { return relyingparty.IsPlaintext(c) }

// allowed reports whether the relying party may ever receive claim c: it
// is registered for it, and a plaintext claim needs a legal basis.
func allowed(rp storage.RelyingParty, c string) bool {
	if !slices.Contains(rp.AllowedClaims, c) {
		return false
	}
	return !plaintextClaim(c) || rp.LegalBasis != ""
}

// ClaimsRequest is the OpenID Connect claims request parameter (Core
// §5.5): per target, the claims asked for.
type ClaimsRequest struct {
	UserInfo map[string]*ClaimSpec `json:"userinfo,omitempty"`
	IDToken  map[string]*ClaimSpec `json:"id_token,omitempty"`
}

// ClaimSpec is one claim's request: null, or essential/value/values.
type ClaimSpec struct {
	Essential bool  `json:"essential,omitempty"`
	Value     any   `json:"value,omitempty"`
	Values    []any `json:"values,omitempty"`
}

// maxClaimsParam bounds the claims parameter.
const maxClaimsParam = 4096

// ParseClaimsRequest parses the claims request parameter with the strict
// decoder: unknown members are ignored (Core §5.5), but a repeated member
// or trailing data is ErrInvalidRequest, as is any malformed value.
func ParseClaimsRequest(s string) (ClaimsRequest, error) {
	var c ClaimsRequest
	if s == "" {
		return c, nil
	}
	if len(s) > maxClaimsParam {
		return c, fmt.Errorf("%w: claims parameter longer than %d bytes", ErrInvalidRequest, maxClaimsParam)
	}
	err := strictjson.Unmarshal([]byte(s), &c, strictjson.IgnoreUnknownFields, strictjson.UseNumber)
	if errors.Is(err, strictjson.ErrTrailingData) {
		return ClaimsRequest{}, fmt.Errorf("%w: trailing data after the claims parameter", ErrInvalidRequest)
	}
	if err != nil {
		return ClaimsRequest{}, fmt.Errorf("%w: claims parameter is not a JSON object of the expected shape", ErrInvalidRequest)
	}
	if len(c.UserInfo)+len(c.IDToken) > 64 {
		return ClaimsRequest{}, fmt.Errorf("%w: too many claims requested", ErrInvalidRequest)
	}
	return c, nil
}

// Encode returns the parameter's JSON (members sorted by name).
func (c ClaimsRequest) Encode() string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// acrMinimum returns the minimum level an essential acr claim request
// sets: the lowest of the acr values it accepts; ok is false without one.
func (c ClaimsRequest) acrMinimum() (verification.Level, bool) {
	spec := c.IDToken["acr"]
	if spec == nil {
		return "", false
	}
	var vals []any
	if spec.Value != nil {
		vals = append(vals, spec.Value)
	}
	vals = append(vals, spec.Values...)
	var lowest verification.Level
	for _, v := range vals {
		s, _ := v.(string)
		if s == "" {
			continue
		}
		l, err := verification.ParseLevel(s)
		if err != nil {
			continue
		}
		if lowest == "" || l.Rank() < lowest.Rank() {
			lowest = l
		}
	}
	return lowest, lowest != ""
}

// minimumLevel computes the level an authorization asks for: the first
// acr value the provider knows in acr_values (they are in order of
// preference; unknown ones are ignored, Core §3.1.2.1), raised to an
// essential acr claim request's minimum.
func minimumLevel(acrValues string, claims ClaimsRequest) verification.Level {
	level := verification.LevelPossession
	for _, v := range strings.Fields(acrValues) {
		if l, err := verification.ParseLevel(v); err == nil && v != "" {
			level = l
			break
		}
	}
	if l, ok := claims.acrMinimum(); ok && l.Rank() > level.Rank() {
		level = l
	}
	return level
}

// requested is what an authorization asks for, filtered by the
// registration.
type requested struct {
	Scopes   []string
	IDToken  []string
	Userinfo []string
}

// all returns the union of the claims for the verification session.
func (q requested) all() []string {
	out := slices.Clone(q.IDToken)
	for _, c := range q.Userinfo {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// mapRequest maps the scopes and the claims parameter to claims, silently
// dropping unknown scopes and claims and those the relying party is not
// registered (or has no legal basis) for. Claims asked for by scope go to
// both the ID token and userinfo (an RP library may read either); the
// claims parameter names its target.
func mapRequest(rp storage.RelyingParty, scopes []string, claims ClaimsRequest) requested {
	var q requested
	add := func(list *[]string, c string) {
		if userClaim(c) && allowed(rp, c) && !slices.Contains(*list, c) {
			*list = append(*list, c)
		}
	}
	for _, s := range scopes {
		cs, known := ScopeClaims[s]
		if !known || slices.Contains(q.Scopes, s) {
			continue
		}
		q.Scopes = append(q.Scopes, s)
		for _, c := range cs {
			add(&q.IDToken, c)
			add(&q.Userinfo, c)
		}
	}
	for _, c := range sortedKeys(claims.IDToken) {
		add(&q.IDToken, c)
	}
	for _, c := range sortedKeys(claims.UserInfo) {
		add(&q.Userinfo, c)
	}
	return q
}

func sortedKeys(m map[string]*ClaimSpec) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
