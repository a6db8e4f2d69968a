package credential

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// Status points at the credential's entry in a Token Status List
// (draft-ietf-oauth-status-list §6.2).
type Status struct {
	// URI is the status list token's URI (its sub).
	URI string
	// Index is the credential's index in that list.
	Index int64
}

// Claims are the claims of a 网证.
type Claims struct {
	// ID is the credential's jti. Issue leaves it out when empty, as the
	// platform does: a jti is a stable identifier that every relying party
	// receiving a presentation would see, linking the holder across them,
	// and the Token Status List reference serves for revocation. After
	// verification it is "" unless the issuer-signed JWT has a jti
	// (credentials issued before it was left out).
	ID string
	// Issuer is the platform's issuer identifier (iss).
	Issuer string
	// VCT is the credential type (vct), e.g. VCTWangzheng.
	VCT string
	// Wanghao is the holder's 网号. Issue makes it the selectively
	// disclosable claim ClaimWanghao, never a plaintext claim, so a relying
	// party learns it only from a presentation that discloses it. After
	// verification it is the disclosed value, or "" when the presentation
	// does not disclose it (a credential issued before it was selectively
	// disclosable carries it in plaintext, and always reveals it).
	Wanghao string
	// IssuedAt, NotBefore and ExpiresAt are iat, nbf and exp. Issue uses
	// IssuedAt when NotBefore is zero. Precision is one second.
	IssuedAt, NotBefore, ExpiresAt time.Time
	// Holder is the public key of the holder's device (cnf.jwk).
	Holder *jose.JSONWebKey
	// Status is the credential's status list entry.
	Status Status
	// GuardianConsentRequired says the holder is under 14 for the whole
	// validity of the credential: a verifier must then receive, in the
	// key-binding JWT, the guardian's consent statement for its audience
	// (package guardianconsent). It is a plaintext claim (ClaimGuardianConsentRequired),
	// present only when true, so a holder cannot withhold it.
	GuardianConsentRequired bool
	// Disclosable are the other selectively disclosable claims, e.g.
	// "age_over_18": true; it must not hold ClaimWanghao. After
	// verification it holds the disclosed ones, except the 网号, which is
	// in Wanghao.
	Disclosable map[string]any
}

// ClaimWanghao is the name of the selectively disclosable claim carrying
// the 网号 (Claims.Wanghao); a holder discloses it to a relying party by
// naming it in Present.
const ClaimWanghao = "wanghao"

// ClaimGuardianConsentRequired is the plaintext claim of
// Claims.GuardianConsentRequired.
const ClaimGuardianConsentRequired = "guardian_consent_required"

// plaintextClaims are the claims this profile always issues in plaintext;
// none of them may be selectively disclosable (SD-JWT VC §3.2.2.2 for iss,
// nbf, exp, cnf, vct, status).
var plaintextClaims = []string{
	"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "jti", "cnf", "status", "_sd", "_sd_alg", "...",
	ClaimGuardianConsentRequired,
}

// Decoys: Issue adds minDecoys + (0..decoySpread-1) random digests to _sd.
const (
	minDecoys   = 2
	decoySpread = 4 // must divide 256 so one random byte picks uniformly
	saltBytes   = 16
)

// Issuer issues 网证 with the platform key.
type Issuer struct {
	// Key is the platform's signing key: P-256 (ES256) on the es256
	// suite, SM2 on the sm suite. Its suite also chooses the SD-JWT's
	// digests: _sd_alg "sha-256" with SHA-256, or "sm3" with SM3
	// (docs/sm-profile.md §4).
	Key crypto.Signer
	// KeyID is the kid of Key in the platform's published key set.
	KeyID string
	// Rand is the source of salts and decoys; nil means crypto/rand.
	Rand io.Reader
}

// Issue returns the SD-JWT `<jwt>~<d1>~…~<dn>~` for c: the issuer-signed
// JWT carries one disclosure digest per Disclosable claim and one for the
// 网号 (ClaimWanghao) plus random decoys, sorted, and every disclosure
// follows it. The 网号 never appears in the issuer-signed JWT.
func (i Issuer) Issue(c Claims) (string, error) {
	st, err := i.check(c)
	if err != nil {
		return "", err
	}
	r := i.Rand
	if r == nil {
		r = rand.Reader
	}
	sd := make(map[string]any, len(c.Disclosable)+1)
	maps.Copy(sd, c.Disclosable)
	sd[ClaimWanghao] = c.Wanghao
	names := slices.Sorted(maps.Keys(sd))

	var disclosures []string
	var digests []string
	for _, name := range names {
		enc, err := newDisclosure(r, name, sd[name])
		if err != nil {
			return "", err
		}
		disclosures = append(disclosures, enc)
		digests = append(digests, digest(st, enc))
	}
	var n [1]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return "", fmt.Errorf("credential: reading randomness: %w", err)
	}
	for range minDecoys + int(n[0])%decoySpread {
		var b [saltBytes]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("credential: reading randomness: %w", err)
		}
		digests = append(digests, jws.B64.EncodeToString(st.Sum(b[:])))
	}
	slices.Sort(digests)

	nbf := c.NotBefore
	if nbf.IsZero() {
		nbf = c.IssuedAt
	}
	payload := map[string]any{
		"iss": c.Issuer,
		"iat": c.IssuedAt.Unix(),
		"nbf": nbf.Unix(),
		"exp": c.ExpiresAt.Unix(),
		"vct": c.VCT,
		"cnf": map[string]any{"jwk": jws.JWK(*c.Holder)},
		"status": map[string]any{"status_list": map[string]any{
			"idx": c.Status.Index,
			"uri": c.Status.URI,
		}},
		"_sd_alg": st.SDAlg(),
		"_sd":     digests,
	}
	if c.ID != "" {
		payload["jti"] = c.ID
	}
	if c.GuardianConsentRequired {
		payload[ClaimGuardianConsentRequired] = true
	}
	body, err := marshal(payload)
	if err != nil {
		return "", fmt.Errorf("%w: encoding payload: %w", ErrInvalidClaims, err)
	}
	jwt, err := jws.Sign(i.Key, TypSDJWT, i.KeyID, body)
	if err != nil {
		return "", fmt.Errorf("credential: signing: %w", err)
	}
	var b strings.Builder
	b.WriteString(jwt)
	b.WriteByte('~')
	for _, d := range disclosures {
		b.WriteString(d)
		b.WriteByte('~')
	}
	return b.String(), nil
}

// check checks the issuer and c, and returns the suite of the issuer's
// key.
func (i Issuer) check(c Claims) (suite.Suite, error) {
	var problems []string
	st, ok := issuerSuite(i.Key)
	if !ok {
		problems = append(problems, "issuer key is neither a P-256 nor an SM2 signer")
	}
	if i.KeyID == "" {
		problems = append(problems, "issuer key id is empty")
	}
	for _, f := range []struct{ name, v string }{
		{"iss", c.Issuer}, {"vct", c.VCT}, {"wanghao", c.Wanghao}, {"status uri", c.Status.URI},
	} {
		if f.v == "" {
			problems = append(problems, f.name+" is empty")
		}
	}
	if c.Status.Index < 0 {
		problems = append(problems, "status index is negative")
	}
	if c.IssuedAt.IsZero() || c.ExpiresAt.IsZero() {
		problems = append(problems, "iat and exp are required")
	} else if !c.ExpiresAt.After(c.IssuedAt) {
		problems = append(problems, "exp is not after iat")
	}
	if !c.NotBefore.IsZero() && !c.ExpiresAt.After(c.NotBefore) {
		problems = append(problems, "exp is not after nbf")
	}
	if c.Holder == nil || !c.Holder.IsPublic() {
		problems = append(problems, "holder key is missing or not a public key")
	} else if alg, _ := jws.AlgorithmFor(c.Holder.Key); ok && alg != st.SignatureAlgorithm() {
		// The holder's key is of the issuer's suite: an SM2 key on an SM
		// deployment, P-256 on an ES256 one.
		problems = append(problems, fmt.Sprintf("holder key is not a key of %s, the issuer's algorithm", st.SignatureAlgorithm()))
	}
	for name := range c.Disclosable {
		switch {
		case name == ClaimWanghao:
			problems = append(problems, "claim \"wanghao\" belongs in Wanghao, not in Disclosable")
		case name == "" || slices.Contains(plaintextClaims, name):
			problems = append(problems, fmt.Sprintf("claim %q cannot be selectively disclosable", name))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return suite.Suite{}, fmt.Errorf("%w: %s", ErrInvalidClaims, strings.Join(problems, "; "))
	}
	return st, nil
}

// issuerSuite returns the suite of the signing key s.
func issuerSuite(s crypto.Signer) (suite.Suite, bool) {
	if s == nil {
		return suite.Suite{}, false
	}
	alg, ok := jws.AlgorithmFor(s.Public())
	if !ok {
		return suite.Suite{}, false
	}
	return suite.ForAlgorithm(alg)
}

// newDisclosure returns base64url(JSON [salt, name, value]) with a fresh
// 128-bit salt.
func newDisclosure(r io.Reader, name string, value any) (string, error) {
	var salt [saltBytes]byte
	if _, err := io.ReadFull(r, salt[:]); err != nil {
		return "", fmt.Errorf("credential: reading randomness: %w", err)
	}
	b, err := marshal([]any{jws.B64.EncodeToString(salt[:]), name, value})
	if err != nil {
		return "", fmt.Errorf("%w: claim %q: %w", ErrInvalidClaims, name, err)
	}
	return jws.B64.EncodeToString(b), nil
}

// marshal is json.Marshal without HTML escaping and trailing newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
