package counter

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/smx509"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// SubmissionType is the typ of a counter's signed submission.
const SubmissionType = "netid-counter-application+jwt"

// How the person finishes a counter application (Claims.Finish).
const (
	// FinishWallet: the person finishes in their own wallet (SMS code to
	// their phone, 口令, device key) with the application's token.
	FinishWallet = "wallet"
	// FinishWanghao: the person has no smartphone: they receive a 网号
	// without a 网证.
	FinishWanghao = "wanghao"
)

// FaceMatch is the only face check result a counter may submit for an
// application: the live face matched the chip's face image.
const FaceMatch = "match"

// MaxAge is how long a submission is fresh after its iat (and the most its
// exp may be after iat).
const MaxAge = 5 * time.Minute

// skew tolerates the counter's clock running ahead.
const skew = time.Minute

// Face is the result of the face check the counter ran with its own
// equipment.
type Face struct {
	// Result is FaceMatch.
	Result string `json:"result"`
	// Score is the equipment's similarity score, 0 to 1.
	Score float64 `json:"score"`
	// ImageHash is the SHA-256 (base64url) of the chip's face image (DG2)
	// the live face was compared with.
	ImageHash string `json:"image_hash"`
}

// Claims are a submission's claims.
type Claims struct {
	// Issuer is the counter's ID (also the header's kid).
	Issuer string `json:"iss"`
	// Audience is the platform's issuer identifier (its public URL).
	Audience  string `json:"aud"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
	// ID is used once: a submission is accepted at most once.
	ID           string        `json:"jti"`
	DocumentType document.Type `json:"document_type"`
	// Chip is the chip container {dg1, dg2, sod} the chip reader read.
	Chip   json.RawMessage `json:"chip"`
	Face   Face            `json:"face"`
	Finish string          `json:"finish"`
}

// Errors of a submission. Each wraps detail without personal data.
var (
	// ErrMalformed: not a submission (structure, type, claims, audience).
	ErrMalformed = errors.New("counter: malformed submission")
	// ErrUnknownCounter: no counter is registered under the kid.
	ErrUnknownCounter = errors.New("counter: unknown counter")
	// ErrDisabled: the counter was disabled by an operator.
	ErrDisabled = errors.New("counter: the counter is disabled")
	// ErrBadSignature: the signature does not verify with the counter's
	// registered key.
	ErrBadSignature = errors.New("counter: the signature does not verify with the counter's key")
	// ErrStale: the submission is too old, not yet valid, or expired.
	ErrStale = errors.New("counter: the submission is not fresh")
	// ErrReplayed: the submission's jti was used before.
	ErrReplayed = errors.New("counter: the submission was already used")
	// ErrFace: the face check did not match (or scored below the
	// platform's threshold).
	ErrFace = errors.New("counter: the face check did not pass")
	// ErrCertificate: the counter was registered with a certificate that
	// is not valid now (expired, or not yet valid).
	ErrCertificate = errors.New("counter: the counter's certificate is not valid now")
)

// Submission is a verified submission: the counter that signed it and
// what it says.
type Submission struct {
	Counter storage.Counter
	Claims  Claims
	// FaceImageHash is Claims.Face.ImageHash decoded.
	FaceImageHash [32]byte
}

// Parse checks everything of a submission but its key, signature,
// audience, time, face result and single use: the compact JWS of
// SubmissionType, kid naming the issuer, and well-formed claims. It returns the claims (not
// to be trusted before Verifier.Verify) and the decoded face image hash.
func Parse(token string) (*jws.Token, Claims, [32]byte, error) {
	var hash [32]byte
	t, err := jws.Parse(token, jws.Expect{Typ: SubmissionType})
	if err != nil {
		return nil, Claims{}, hash, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var c Claims
	if err := t.UnverifiedClaims(&c); err != nil {
		return nil, Claims{}, hash, fmt.Errorf("%w: claims: %w", ErrMalformed, err)
	}
	hash, err = c.check(t.Header.KeyID)
	if err != nil {
		return nil, Claims{}, hash, err
	}
	return t, c, hash, nil
}

func malformed(what string) error { return fmt.Errorf("%w: %s", ErrMalformed, what) }

// check checks the claims' form; kid is the header's.
func (c Claims) check(kid string) ([32]byte, error) {
	var hash [32]byte
	switch {
	case !idPattern.MatchString(kid):
		return hash, malformed("kid must be the counter's ID")
	case c.Issuer != kid:
		return hash, malformed("iss must equal kid")
	case c.Audience == "" || !utf8.ValidString(c.Audience):
		return hash, malformed("aud is required")
	case c.IssuedAt <= 0 || c.ExpiresAt <= c.IssuedAt:
		return hash, malformed("iat and exp are required, exp after iat")
	case len(c.ID) < 16 || len(c.ID) > 128 || !printableASCII(c.ID):
		return hash, malformed("jti must be 16 to 128 printable ASCII characters")
	case !c.DocumentType.Valid():
		return hash, malformed("document_type is not a legal document type")
	case len(c.Chip) == 0 || c.Chip[0] != '{':
		return hash, malformed("chip must be the chip container object")
	case c.Finish != FinishWallet && c.Finish != FinishWanghao:
		return hash, malformed(`finish must be "wallet" or "wanghao"`)
	case math.IsNaN(c.Face.Score) || c.Face.Score < 0 || c.Face.Score > 1:
		return hash, malformed("face.score must be between 0 and 1")
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(c.Face.ImageHash)
	if err != nil || len(b) != sha256.Size {
		return hash, malformed("face.image_hash must be a base64url SHA-256")
	}
	copy(hash[:], b)
	if c.Face.Result == "" {
		return hash, malformed("face.result is required")
	}
	return hash, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Store is what Verifier needs of storage.
type Store interface {
	GetCounter(ctx context.Context, id string) (storage.Counter, error)
	UseNonce(ctx context.Context, key string, expiresAt time.Time) error
}

// Verifier checks submissions as the platform checks a document signer:
// a registered, active counter, its key, and a fresh, unused submission.
type Verifier struct {
	Store Store
	// Issuer is the platform's issuer identifier: the audience.
	Issuer string
	// Threshold is the least face score accepted (the platform's face
	// threshold); zero accepts any score of a match.
	Threshold float64
	Now       func() time.Time
	// Suite is the deployment's crypto suite: a counter's key must be its
	// key (SM2 on sm, P-256 on es256). Default suite.ES256.
	Suite suite.Suite
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Verify checks token and uses its jti up: a second Verify of the same
// submission fails with ErrReplayed. Nothing is used up by a submission
// that fails another check.
func (v *Verifier) Verify(ctx context.Context, token string) (Submission, error) {
	t, c, hash, err := Parse(token)
	if err != nil {
		return Submission{}, err
	}
	ctr, err := v.Store.GetCounter(ctx, c.Issuer)
	if errors.Is(err, storage.ErrNotFound) {
		return Submission{}, fmt.Errorf("%w: %s", ErrUnknownCounter, c.Issuer)
	}
	if err != nil {
		return Submission{}, fmt.Errorf("counter: loading the counter: %w", err)
	}
	if ctr.State != storage.CounterActive {
		return Submission{}, fmt.Errorf("%w: %s", ErrDisabled, ctr.ID)
	}
	key, err := Key(ctr)
	if err != nil {
		return Submission{}, err
	}
	if _, err := v.Suite.Or(suite.ES256).CheckPublicKey(&key); err != nil {
		return Submission{}, fmt.Errorf("%w (%s: %w)", ErrBadSignature, ctr.ID, err)
	}
	now := v.now()
	if err := CheckCertificate(ctr, now); err != nil {
		return Submission{}, err
	}
	if _, err := t.Verify(jws.KeyFunc(func(*jws.Token) ([]jose.JSONWebKey, error) {
		return []jose.JSONWebKey{key}, nil
	})); err != nil {
		return Submission{}, fmt.Errorf("%w (%s)", ErrBadSignature, ctr.ID)
	}
	if c.Audience != v.Issuer {
		return Submission{}, malformed("aud must be this platform")
	}
	iat, exp := time.Unix(c.IssuedAt, 0), time.Unix(c.ExpiresAt, 0)
	switch {
	case iat.After(now.Add(skew)):
		return Submission{}, fmt.Errorf("%w: issued in the future", ErrStale)
	case iat.Before(now.Add(-MaxAge)):
		return Submission{}, fmt.Errorf("%w: issued more than %s ago", ErrStale, MaxAge)
	case exp.Sub(iat) > MaxAge:
		return Submission{}, fmt.Errorf("%w: valid longer than %s", ErrStale, MaxAge)
	case !now.Before(exp):
		return Submission{}, fmt.Errorf("%w: expired", ErrStale)
	}
	if c.Face.Result != FaceMatch {
		return Submission{}, fmt.Errorf("%w: the result is not %q", ErrFace, FaceMatch)
	}
	if c.Face.Score < v.Threshold {
		return Submission{}, fmt.Errorf("%w: score below the platform's threshold", ErrFace)
	}
	err = v.Store.UseNonce(ctx, "counter-submission:"+ctr.ID+":"+c.ID, exp.Add(skew))
	if errors.Is(err, storage.ErrAlreadyExists) {
		return Submission{}, fmt.Errorf("%w (%s)", ErrReplayed, ctr.ID)
	}
	if err != nil {
		return Submission{}, fmt.Errorf("counter: recording the submission: %w", err)
	}
	return Submission{Counter: ctr, Claims: c, FaceImageHash: hash}, nil
}

// Sign is the terminal's side: the submission of claims, signed with the
// counter's private key (ES256), kid the counter's ID (claims.Issuer).
func Sign(key crypto.Signer, c Claims) (string, error) {
	return jws.SignClaims(key, SubmissionType, c.Issuer, c)
}

// CheckCertificate checks, for a counter registered with a certificate,
// that the certificate is valid at now, as a document signer's is: its key
// signs nothing outside the certificate's validity. A counter registered
// with a bare key has nothing to check.
func CheckCertificate(c storage.Counter, now time.Time) error {
	if len(c.Certificate) == 0 {
		return nil
	}
	cert, err := smx509.ParseCertificate(c.Certificate)
	if err != nil {
		return fmt.Errorf("counter: the stored certificate of %s does not parse: %w", c.ID, err)
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return fmt.Errorf("%w (%s: valid %s to %s)", ErrCertificate, c.ID,
			cert.NotBefore.UTC().Format(time.DateOnly), cert.NotAfter.UTC().Format(time.DateOnly))
	}
	return nil
}
