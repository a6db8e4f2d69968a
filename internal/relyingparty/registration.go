package relyingparty

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/strictjson"
	"github.com/netid-project/netid/internal/suite"
)

// ErrInvalid is wrapped by every *ValidationError: a registration (or a
// change to one) breaks the registration rules.
var ErrInvalid = errors.New("relyingparty: invalid registration")

// ValidationError lists every rule a registration breaks, each as
// "field: what is wrong". The problems name fields and list positions,
// never the offending values. errors.Is(err, ErrInvalid) holds.
type ValidationError struct {
	Problems []string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return ErrInvalid.Error() + ": " + strings.Join(e.Problems, "; ")
}

// Unwrap returns ErrInvalid.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Limits of a registration.
const (
	// MaxNameRunes is the longest display name.
	MaxNameRunes = 100
	// MaxLegalBasisRunes is the longest legal basis text.
	MaxLegalBasisRunes = 500
	// MaxDomains and MaxRedirectURIs bound the lists.
	MaxDomains      = 20
	MaxRedirectURIs = 20
	// MaxRedirectURILen is the longest redirect URI in bytes.
	MaxRedirectURILen = 2000
	// MaxJWKSBytes and MaxJWKSKeys bound a private_key_jwt key set.
	MaxJWKSBytes = 16 << 10
	MaxJWKSKeys  = 10
	// MaxAltTextRunes is the longest description of the other way in.
	MaxAltTextRunes = 500
	// SecretBytes is the number of random bytes of a generated client
	// secret, and the minimum of a given one.
	SecretBytes = 32
)

// Registration is what an operator registers for a relying party. Sector
// defaults to ID. Secret is for client_secret_basic only: empty means one
// is generated; a given one must be unpadded base64url of at least
// SecretBytes bytes.
type Registration struct {
	ID            string
	Name          string
	Sector        string
	Category      string
	LegalBasis    string
	Domains       []string
	RedirectURIs  []string
	AllowedClaims []string
	AuthMethod    string
	// IDTokenAlg is the algorithm of the relying party's OpenID Connect ID
	// tokens (id_token_signed_response_alg, OpenID Connect Dynamic Client
	// Registration §2): the platform's suite's algorithm (ES256, or SM2 on
	// a platform of the SM suite) or RS256; empty means the suite's
	// (Registry.Suite).
	IDTokenAlg string
	JWKS       json.RawMessage
	Secret     string
	// AltURL and AltText are the other way in the relying party offers
	// people who do not use a 网号 (an https address where they sign up
	// otherwise, a description such as "at our counters", or both). The
	// consent pages and the public registry show them.
	AltURL  string
	AltText string
}

// ID token signing algorithms a relying party may register.
const (
	// DefaultIDTokenAlg signs ID tokens unless the relying party
	// registered another algorithm, on a platform of the ES256 suite.
	DefaultIDTokenAlg = "ES256"
	// IDTokenAlgRS256 is for relying parties whose OpenID Connect library
	// verifies only RS256 (OpenID Connect Core §15.1).
	IDTokenAlgRS256 = "RS256"
	// IDTokenAlgSM2 signs ID tokens with SM2 (docs/sm-profile.md): the
	// default on a platform of the SM suite, which keeps no ES256 key.
	IDTokenAlgSM2 = "SM2"
)

// IDTokenAlgs are the values of id_token_signed_response_alg a relying
// party may register: on a given platform, its suite's algorithm (ES256 or
// SM2) and RS256.
func IDTokenAlgs() []string { return []string{DefaultIDTokenAlg, IDTokenAlgRS256, IDTokenAlgSM2} }

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// Validate reports every problem of r at once, as a *ValidationError. An
// empty Sector is valid (it defaults to ID). It takes a private_key_jwt
// key set of either suite; a Registry holds it to its own (validateFor).
func (r Registration) Validate() error { return r.validateFor(suite.Suite{}) }

// validateFor is Validate with the key set held to the crypto suite st
// (any suite when st is the zero Suite), so that a key of the other suite
// is reported as such rather than by a lesser problem it also has.
func (r Registration) validateFor(st suite.Suite) error {
	v := validator{suite: st}
	if !idPattern.MatchString(r.ID) {
		v.add("id", "must be 3 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
	}
	if r.Sector != "" && !idPattern.MatchString(r.Sector) {
		v.add("sector", "must be 3 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
	}
	v.text("name", r.Name, MaxNameRunes, true)
	switch r.Category {
	case storage.CategoryInternetService, storage.CategoryInPerson:
	default:
		v.add("category", "must be internet_service or in_person")
	}
	v.text("legal_basis", r.LegalBasis, MaxLegalBasisRunes, false)
	v.domains(r.Domains)
	v.redirectURIs(r.RedirectURIs, r.Domains)
	v.claims(r.AllowedClaims, r.LegalBasis != "")
	if r.Category != storage.CategoryInPerson {
		for _, c := range r.AllowedClaims {
			if InPersonOnly(c) {
				v.add("allowed_claims", fmt.Sprintf("%q is shown only to in_person relying parties", c))
			}
		}
	}
	v.auth(r)
	v.text("alt_text", r.AltText, MaxAltTextRunes, false)
	if r.AltURL != "" {
		if msg := CheckAltURL(r.AltURL); msg != "" {
			v.add("alt_url", msg)
		}
	}
	if r.IDTokenAlg != "" && !slices.Contains(IDTokenAlgs(), r.IDTokenAlg) {
		v.add("id_token_signed_response_alg", "must be ES256, RS256 or SM2")
	}
	return v.err()
}

type validator struct {
	problems []string
	suite    suite.Suite // the suite a key set is held to; zero: either
}

func (v *validator) add(field, msg string) { v.problems = append(v.problems, field+": "+msg) }

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// text checks a display text: valid UTF-8, no control characters, no
// leading or trailing space, at most maxRunes runes, non-empty if required.
func (v *validator) text(field, s string, maxRunes int, required bool) {
	switch {
	case s == "":
		if required {
			v.add(field, "must not be empty")
		}
	case !utf8.ValidString(s):
		v.add(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > maxRunes:
		v.add(field, fmt.Sprintf("must be at most %d characters", maxRunes))
	case strings.TrimSpace(s) != s:
		v.add(field, "must not start or end with white space")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.add(field, "must not contain control characters")
	}
}

func (v *validator) domains(domains []string) {
	if len(domains) > MaxDomains {
		v.add("domains", fmt.Sprintf("at most %d", MaxDomains))
		return
	}
	for i, d := range domains {
		field := fmt.Sprintf("domains[%d]", i)
		if err := checkDomain(d); err != nil {
			v.add(field, err.Error())
		} else if slices.Contains(domains[:i], d) {
			v.add(field, "duplicate")
		}
	}
}

// isLoopback reports whether host (as url.URL.Hostname returns it) is a
// loopback host allowed in redirect URIs.
func isLoopback(host string) bool {
	return host == "127.0.0.1" || host == "::1" || host == "localhost"
}

func (v *validator) redirectURIs(uris, domains []string) {
	if len(uris) > MaxRedirectURIs {
		v.add("redirect_uris", fmt.Sprintf("at most %d", MaxRedirectURIs))
		return
	}
	for i, raw := range uris {
		field := fmt.Sprintf("redirect_uris[%d]", i)
		if msg := checkRedirectURI(raw, domains); msg != "" {
			v.add(field, msg)
		} else if slices.Contains(uris[:i], raw) {
			v.add(field, "duplicate")
		}
	}
}

// checkRedirectURI returns what is wrong with raw, or "".
func checkRedirectURI(raw string, domains []string) string {
	if len(raw) > MaxRedirectURILen {
		return fmt.Sprintf("must be at most %d bytes", MaxRedirectURILen)
	}
	if !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "must not contain spaces or control characters"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "not a URL"
	case u.Scheme != "https" && u.Scheme != "http":
		return "must be an https URL"
	case u.Opaque != "" || u.Host == "":
		return "must be an absolute URL with a host"
	case u.User != nil:
		return "must not contain user information"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not have a fragment"
	}
	host := u.Hostname()
	if p := u.Port(); strings.HasSuffix(u.Host, ":") || (p != "" && !validPort(p)) {
		return "invalid port"
	}
	switch {
	case isLoopback(host):
		// http allowed: development and native apps (RFC 8252 §7.3).
	case u.Scheme != "https":
		return "must be https (http only for loopback hosts)"
	case !slices.Contains(domains, host):
		return "host must be one of the domains or a loopback host"
	}
	return ""
}

// CheckAltURL returns what is wrong with raw as the address of a relying
// party's other way in, or "": an absolute https URL (http only for
// loopback hosts) of at most MaxRedirectURILen bytes, without user
// information, spaces or control characters. Unlike a redirect URI its host
// need not be one of the domains (a sign-up may live elsewhere).
func CheckAltURL(raw string) string {
	if len(raw) > MaxRedirectURILen {
		return fmt.Sprintf("must be at most %d bytes", MaxRedirectURILen)
	}
	if !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "must not contain spaces or control characters"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "not a URL"
	case u.Scheme != "https" && u.Scheme != "http":
		return "must be an https URL"
	case u.Opaque != "" || u.Host == "":
		return "must be an absolute URL with a host"
	case u.User != nil:
		return "must not contain user information"
	case u.Scheme != "https" && !isLoopback(u.Hostname()):
		return "must be https (http only for loopback hosts)"
	}
	if p := u.Port(); strings.HasSuffix(u.Host, ":") || (p != "" && !validPort(p)) {
		return "invalid port"
	}
	return ""
}

func validPort(p string) bool {
	if len(p) > 5 || p[0] == '0' {
		return false
	}
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n >= 1 && n <= 65535
}

func (v *validator) claims(claims []string, hasLegalBasis bool) {
	for i, c := range claims {
		field := fmt.Sprintf("allowed_claims[%d]", i)
		switch {
		case !Known(c):
			v.add(field, "unknown claim")
		case slices.Contains(claims[:i], c):
			v.add(field, "duplicate")
		case IsPlaintext(c) && !hasLegalBasis:
			v.add(field, "plaintext claim "+c+" needs a legal_basis")
		}
	}
}

func (v *validator) auth(r Registration) {
	switch r.AuthMethod {
	case storage.AuthPrivateKeyJWT:
		if len(r.JWKS) == 0 {
			v.add("jwks", "required for private_key_jwt")
		} else if _, err := parseJWKS(r.JWKS, v.suite); err != nil {
			v.add("jwks", err.Error())
		}
		if r.Secret != "" {
			v.add("secret", "only for client_secret_basic")
		}
	case storage.AuthClientSecret:
		if len(r.JWKS) != 0 {
			v.add("jwks", "only for private_key_jwt")
		}
		if r.Secret != "" && !validSecret(r.Secret) {
			v.add("secret", fmt.Sprintf("must be unpadded base64url of at least %d random bytes", SecretBytes))
		}
	case storage.AuthNone:
		if len(r.JWKS) != 0 {
			v.add("jwks", "only for private_key_jwt")
		}
		if r.Secret != "" {
			v.add("secret", "only for client_secret_basic")
		}
		if len(r.RedirectURIs) == 0 {
			v.add("redirect_uris", "required for a public client (auth_method none)")
		}
	default:
		v.add("auth_method", "must be private_key_jwt, client_secret_basic or none")
	}
}

func validSecret(s string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil && len(b) >= SecretBytes
}

// ErrJWKS is wrapped by ParseJWKS's errors.
var ErrJWKS = errors.New("not an acceptable key set")

// ParseJWKS parses a relying party's key set for private_key_jwt: a JSON
// object {"keys": [...]} of 1 to MaxJWKSKeys public EC keys, P-256 or SM2
// (the SM2 JWK of docs/sm-profile.md), each with a unique kid, no private
// parts, "use" absent or "sig" and "alg" absent or the key's algorithm
// ("ES256", "SM2"). It takes either suite's keys; ParseJWKSFor holds the
// set to a deployment's. Errors wrap ErrJWKS and name no key material.
func ParseJWKS(data []byte) (jose.JSONWebKeySet, error) { return parseJWKS(data, suite.Suite{}) }

// ParseJWKSFor is ParseJWKS for a deployment of the crypto suite st: every
// key must be a key of st (P-256 on es256, SM2 on sm), and a key of the
// other suite is reported as that, naming the key and algorithm st takes,
// before any other problem the key has (an "alg" naming st's algorithm
// on a key of the other curve is such a key).
func ParseJWKSFor(data []byte, st suite.Suite) (jose.JSONWebKeySet, error) {
	return parseJWKS(data, st.Or(suite.ES256))
}

// parseJWKS is ParseJWKS, with the keys held to st unless st is the zero
// Suite.
func parseJWKS(data []byte, st suite.Suite) (jose.JSONWebKeySet, error) {
	fail := func(msg string) (jose.JSONWebKeySet, error) {
		return jose.JSONWebKeySet{}, fmt.Errorf("%w: %s", ErrJWKS, msg)
	}
	if len(data) > MaxJWKSBytes {
		return fail(fmt.Sprintf("larger than %d bytes", MaxJWKSBytes))
	}
	// Look at the raw members first, strictly: go-jose would take a "d" as a
	// private key, an unknown member silently, and the last of two repeated
	// members.
	var raw struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	if err := strictjson.Unmarshal(data, &raw); err != nil {
		return fail(`want a JSON object {"keys": [...]} without repeated members`)
	}
	if len(raw.Keys) == 0 || len(raw.Keys) > MaxJWKSKeys {
		return fail(fmt.Sprintf("want 1 to %d keys", MaxJWKSKeys))
	}
	for i, m := range raw.Keys {
		for name := range m {
			// encoding/json matches member names without regard to case.
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
				if strings.EqualFold(name, private) {
					return fail(fmt.Sprintf("key %d has private parts", i))
				}
			}
		}
	}
	var parsed jws.JWKS
	if err := json.Unmarshal(data, &parsed); err != nil {
		return fail("a key is not a valid JWK")
	}
	set := jose.JSONWebKeySet(parsed)
	kids := make(map[string]bool, len(set.Keys))
	for i, k := range set.Keys {
		_, isEC := k.Key.(*ecdsa.PublicKey)
		alg, known := jws.AlgorithmFor(k.Key)
		switch {
		case !isEC || !k.IsPublic():
			return fail(fmt.Sprintf("key %d is not a public EC key", i))
		case !known:
			return fail(fmt.Sprintf("key %d is not on curve P-256 or SM2", i))
		case st.Valid() && alg != st.SignatureAlgorithm():
			return jose.JSONWebKeySet{}, otherSuiteKey(i, st)
		case k.KeyID == "":
			return fail(fmt.Sprintf("key %d has no kid", i))
		case kids[k.KeyID]:
			return fail(fmt.Sprintf("key %d repeats a kid", i))
		case k.Use != "" && k.Use != "sig":
			return fail(fmt.Sprintf("key %d is not a signing key", i))
		case k.Algorithm != "" && k.Algorithm != string(alg):
			return fail(fmt.Sprintf("key %d names alg %q, but it is a key for %s", i, k.Algorithm, alg))
		}
		kids[k.KeyID] = true
	}
	return set, nil
}

// otherSuiteKey is the error for key i of a set that is not a key of the
// deployment's suite st: it names the key and the algorithm st takes.
func otherSuiteKey(i int, st suite.Suite) error {
	name := st.KeyName()
	article := "a"
	if strings.HasPrefix(name, "S") { // "an SM2 key", "a P-256 key"
		article = "an"
	}
	return fmt.Errorf("%w: key %d is not %s %s key (%s), as the platform's crypto suite %s requires",
		ErrJWKS, i, article, name, st.SignatureAlgorithm(), st)
}

// normalJWKS re-encodes a parsed key set with only its public parts.
func normalJWKS(set jose.JSONWebKeySet) ([]byte, error) {
	out := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, len(set.Keys))}
	for i, k := range set.Keys {
		out.Keys[i] = jose.JSONWebKey{Key: k.Key, KeyID: k.KeyID, Use: k.Use, Algorithm: k.Algorithm}
	}
	b, err := json.Marshal(jws.JWKS(out))
	if err != nil {
		return nil, fmt.Errorf("relyingparty: encoding key set: %w", err)
	}
	return b, nil
}
