package verifierdevice

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// Token types and the header of a device's requests.
const (
	// ProofType is the typ of a request proof.
	ProofType = "netid-verifier+jwt"
	// EnrolType is the typ of an enrolment proof.
	EnrolType = "netid-verifier-enrol+jwt"
	// Header carries a request proof.
	Header = "Netid-Verifier-Proof"
)

// Limits.
const (
	// CodeTTL is how long an enrolment code can be used.
	CodeTTL = 24 * time.Hour
	// MaxAge bounds how old (or how far ahead) a proof's iat may be.
	MaxAge = time.Minute
	// MaxName bounds a device's name, in characters.
	MaxName = 64
	// codeLen is an enrolment code's length: 16 characters of a
	// 32-character alphabet, 80 bits.
	codeLen = 16
	// codeAlphabet leaves out 0/O, 1/I/L and U.
	codeAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
	// macDomain is the MAC domain of enrolment codes.
	macDomain = "verifier-enrol-code"
)

// Who revoked a device.
const (
	ByOperator     = "operator"
	ByRelyingParty = "relying_party"
)

// Errors a caller tells apart. Messages carry no secret.
var (
	// ErrUnauthenticated: a request proof is missing, malformed, forged,
	// stale, replayed, or for another request.
	ErrUnauthenticated = errors.New("verifierdevice: verifier device proof invalid")
	// ErrRevoked: the device was revoked, or its relying party can no
	// longer check in person.
	ErrRevoked = errors.New("verifierdevice: verifier device revoked")
	// ErrCode: the enrolment code is unknown, used or expired, or the
	// enrolment proof is not acceptable.
	ErrCode = errors.New("verifierdevice: enrolment code not accepted")
	// ErrInvalid: a device's name is empty, too long or not text.
	ErrInvalid = errors.New("verifierdevice: invalid device")
	// ErrNotFound: no such device (of that relying party).
	ErrNotFound = errors.New("verifierdevice: no such verifier device")
)

// Store is what the service reads and writes (storage.Storage).
type Store interface {
	GetRelyingParty(ctx context.Context, id string) (storage.RelyingParty, error)
	CreateVerifierDevice(ctx context.Context, d storage.VerifierDevice) error
	GetVerifierDevice(ctx context.Context, id string) (storage.VerifierDevice, error)
	GetVerifierDeviceByCode(ctx context.Context, codeHash []byte) (storage.VerifierDevice, error)
	UpdateVerifierDevice(ctx context.Context, id string, fn func(storage.VerifierDevice) (storage.VerifierDevice, error)) (storage.VerifierDevice, error)
	ListVerifierDevices(ctx context.Context, rpID string) ([]storage.VerifierDevice, error)
	UseNonce(ctx context.Context, key string, expiresAt time.Time) error
}

// Service manages verifier devices. Set its fields once; it is then safe
// for concurrent use.
type Service struct {
	Store Store
	// MAC is the keyed hash enrolment codes are stored under
	// (keys.Indexer.MAC).
	MAC func(domain string, b []byte) []byte
	// Issuer is the platform's URL: an enrolment proof's aud.
	Issuer string
	// Now is the clock (nil: time.Now); Rand the randomness (nil:
	// crypto/rand).
	Now  func() time.Time
	Rand io.Reader
	// Suite is the deployment's crypto suite: a device's key is its key
	// (SM2 on sm, P-256 on es256). Default suite.ES256.
	Suite suite.Suite
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) random(n int) ([]byte, error) {
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("verifierdevice: randomness: %w", err)
	}
	return b, nil
}

// inPerson loads rpID and checks that it can check in person.
func (s *Service) inPerson(ctx context.Context, rpID string) (storage.RelyingParty, error) {
	rp, err := s.Store.GetRelyingParty(ctx, rpID)
	if errors.Is(err, storage.ErrNotFound) {
		return rp, fmt.Errorf("%w: no relying party %q", relyingparty.ErrNotFound, rpID)
	}
	if err != nil {
		return rp, fmt.Errorf("verifierdevice: loading the relying party: %w", err)
	}
	if rp.Disabled {
		return rp, relyingparty.ErrDisabled
	}
	if _, err := relyingparty.InPersonKindOf(rp); err != nil {
		return rp, err
	}
	return rp, nil
}

// Added is a device just added and its enrolment code (shown once).
type Added struct {
	Device storage.VerifierDevice
	Code   string
}

// Add adds a device named name to the in-person relying party rpID and
// returns its one-time enrolment code, formatted in groups of four.
// Errors: relyingparty.ErrNotFound, relyingparty.ErrDisabled,
// relyingparty.ErrNotInPerson, ErrInvalid.
func (s *Service) Add(ctx context.Context, rpID, name string) (Added, error) {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxName || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return Added{}, fmt.Errorf("%w: a name of 1 to %d characters is required", ErrInvalid, MaxName)
	}
	if _, err := s.inPerson(ctx, rpID); err != nil {
		return Added{}, err
	}
	idb, err := s.random(12)
	if err != nil {
		return Added{}, err
	}
	raw, err := s.random(codeLen)
	if err != nil {
		return Added{}, err
	}
	var code strings.Builder
	for _, b := range raw {
		// 256 is not a multiple of 30: the bias (at most 1/8 for the first
		// 16 characters) costs well under a bit of the 78 left.
		code.WriteByte(codeAlphabet[int(b)%len(codeAlphabet)])
	}
	now := s.now()
	d := storage.VerifierDevice{
		ID: "vd_" + base64.RawURLEncoding.EncodeToString(idb), RPID: rpID, Name: name,
		State: storage.VerifierDevicePending, CodeHash: s.MAC(macDomain, []byte(code.String())),
		CodeExpiresAt: now.Add(CodeTTL), CreatedAt: now,
	}
	if err := s.Store.CreateVerifierDevice(ctx, d); err != nil {
		return Added{}, fmt.Errorf("verifierdevice: storing the device: %w", err)
	}
	return Added{Device: d, Code: FormatCode(code.String())}, nil
}

// FormatCode groups a code in fours: ABCD-EFGH-JKMN-PQRS.
func FormatCode(code string) string {
	var parts []string
	for len(code) > 4 {
		parts = append(parts, code[:4])
		code = code[4:]
	}
	return strings.Join(append(parts, code), "-")
}

// normalizeCode reads a code as typed: case, spaces and dashes ignored.
func normalizeCode(s string) string {
	s = strings.ToUpper(s)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s)
}

// EnrolClaims are an enrolment proof's claims.
type EnrolClaims struct {
	Code     string `json:"code"`
	Audience string `json:"aud"`
	Iat      int64  `json:"iat"`
}

// EnrolProof makes an enrolment proof: a JWS by key (ES256 with a P-256
// key, SM2 with an SM2 key) with its public JWK in the header, over the
// code and the platform's URL.
func EnrolProof(key *ecdsa.PrivateKey, code, issuer string, now time.Time) (string, error) {
	payload, err := json.Marshal(EnrolClaims{Code: code, Audience: issuer, Iat: now.Unix()})
	if err != nil {
		return "", err
	}
	tok, err := jws.SignWithJWK(key, EnrolType, payload)
	if err != nil {
		return "", fmt.Errorf("verifierdevice: signing the enrolment proof: %w", err)
	}
	return tok, nil
}

// Enrol takes an enrolment proof (EnrolProof): the code must be pending and
// unexpired and the proof signed by the key in its header, for this
// platform, and fresh. The device becomes active with that key, and the
// code can never be used again (racing enrolments: one wins, ErrCode for
// the others). Errors: ErrCode, relyingparty errors if the relying party
// can no longer check in person.
func (s *Service) Enrol(ctx context.Context, proof string) (storage.VerifierDevice, error) {
	tok, err := jws.Parse(proof, jws.Expect{Typ: EnrolType})
	if err != nil {
		return storage.VerifierDevice{}, fmt.Errorf("%w: malformed proof", ErrCode)
	}
	jwk, err := tok.Header.JWK()
	if err != nil || jwk == nil {
		return storage.VerifierDevice{}, fmt.Errorf("%w: the proof has no usable key", ErrCode)
	}
	st := s.Suite.Or(suite.ES256)
	pub, ok := st.PublicKey(jwk)
	if !ok || !jwk.IsPublic() {
		return storage.VerifierDevice{}, fmt.Errorf("%w: the key must be a public %s key", ErrCode, st.KeyName())
	}
	payload, err := tok.Verify(jws.PublicKey(pub))
	if err != nil {
		return storage.VerifierDevice{}, fmt.Errorf("%w: the proof's signature does not verify", ErrCode)
	}
	var cl EnrolClaims
	if err := jws.DecodeClaims(payload, &cl); err != nil {
		return storage.VerifierDevice{}, fmt.Errorf("%w: malformed proof", ErrCode)
	}
	now := s.now()
	iat := time.Unix(cl.Iat, 0)
	if cl.Audience != s.Issuer || iat.Before(now.Add(-MaxAge)) || iat.After(now.Add(MaxAge)) {
		return storage.VerifierDevice{}, fmt.Errorf("%w: the proof is for another platform or not fresh", ErrCode)
	}
	code := normalizeCode(cl.Code)
	if len(code) != codeLen {
		return storage.VerifierDevice{}, fmt.Errorf("%w: a code has %d characters", ErrCode, codeLen)
	}
	hash := s.MAC(macDomain, []byte(code))
	d, err := s.Store.GetVerifierDeviceByCode(ctx, hash)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.VerifierDevice{}, fmt.Errorf("%w: unknown or used code", ErrCode)
	}
	if err != nil {
		return storage.VerifierDevice{}, fmt.Errorf("verifierdevice: looking the code up: %w", err)
	}
	if _, err := s.inPerson(ctx, d.RPID); err != nil {
		return storage.VerifierDevice{}, err
	}
	key, err := json.Marshal(jws.JWK{Key: pub})
	if err != nil {
		return storage.VerifierDevice{}, err
	}
	return s.Store.UpdateVerifierDevice(ctx, d.ID, func(cur storage.VerifierDevice) (storage.VerifierDevice, error) {
		if cur.State != storage.VerifierDevicePending || subtle.ConstantTimeCompare(cur.CodeHash, hash) != 1 {
			return cur, fmt.Errorf("%w: unknown or used code", ErrCode)
		}
		if !now.Before(cur.CodeExpiresAt) {
			return cur, fmt.Errorf("%w: the code has expired; ask for a new one", ErrCode)
		}
		cur.State, cur.CodeHash, cur.PublicKey, cur.EnrolledAt = storage.VerifierDeviceActive, nil, key, now
		return cur, nil
	})
}

// List returns the devices of rpID (every device for ""), oldest first.
func (s *Service) List(ctx context.Context, rpID string) ([]storage.VerifierDevice, error) {
	return s.Store.ListVerifierDevices(ctx, rpID)
}

// Revoke revokes device id for good (by ByOperator or ByRelyingParty,
// with a reason). With rpID set, the device must be that relying party's
// (ErrNotFound otherwise). Revoking a revoked device changes nothing.
func (s *Service) Revoke(ctx context.Context, id, rpID, by, reason string) (storage.VerifierDevice, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 || !utf8.ValidString(reason) {
		return storage.VerifierDevice{}, fmt.Errorf("%w: a reason of 1 to 200 characters is required", ErrInvalid)
	}
	now := s.now()
	d, err := s.Store.UpdateVerifierDevice(ctx, id, func(cur storage.VerifierDevice) (storage.VerifierDevice, error) {
		if rpID != "" && cur.RPID != rpID {
			return cur, ErrNotFound
		}
		if cur.State == storage.VerifierDeviceRevoked {
			return cur, nil
		}
		cur.State, cur.CodeHash, cur.RevokedAt, cur.RevokedBy, cur.Reason = storage.VerifierDeviceRevoked, nil, now, by, reason
		return cur, nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return d, ErrNotFound
	}
	return d, err
}

// Claims are a request proof's claims: the request's method, absolute URL
// (query included, exactly as sent), time, one-time ID and the base64url
// SHA-256 of its body (of the empty string for a request without one).
type Claims struct {
	Method   string `json:"htm"`
	URL      string `json:"htu"`
	Iat      int64  `json:"iat"`
	JTI      string `json:"jti"`
	BodyHash string `json:"bsh"`
}

// BodyHash is the bsh of body.
func BodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Sign makes a request proof for one request of device deviceID.
func Sign(key crypto.Signer, deviceID, method, url string, body []byte, now time.Time) (string, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", err
	}
	return jws.SignClaims(key, ProofType, deviceID, Claims{
		Method: method, URL: url, Iat: now.Unix(), JTI: base64.RawURLEncoding.EncodeToString(id), BodyHash: BodyHash(body),
	})
}

// Authenticated is a device that signed a request, and its relying party.
type Authenticated struct {
	Device       storage.VerifierDevice
	RelyingParty storage.RelyingParty
}

// Authenticate checks a request proof for the request method url with
// body: signed by an active device's key, for this request, fresh and
// never seen; the device's relying party enabled and in person. Errors:
// ErrUnauthenticated, ErrRevoked.
func (s *Service) Authenticate(ctx context.Context, proof, method, url string, body []byte) (Authenticated, error) {
	if proof == "" {
		return Authenticated{}, fmt.Errorf("%w: missing %s header", ErrUnauthenticated, Header)
	}
	var d storage.VerifierDevice
	keys := jws.KeyFunc(func(t *jws.Token) ([]jose.JSONWebKey, error) {
		var err error
		d, err = s.Store.GetVerifierDevice(ctx, t.Header.KeyID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("%w: unknown device", ErrUnauthenticated)
		}
		if err != nil {
			return nil, fmt.Errorf("verifierdevice: loading the device: %w", err)
		}
		if d.State != storage.VerifierDeviceActive {
			return nil, ErrRevoked
		}
		k, _, err := s.Suite.Or(suite.ES256).ParsePublicJWK(d.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("verifierdevice: stored key: %w", err)
		}
		return []jose.JSONWebKey{*k}, nil
	})
	var cl Claims
	_, err := jws.VerifyClaims(proof, jws.Expect{Typ: ProofType, Keys: keys}, &cl)
	switch {
	case errors.Is(err, ErrUnauthenticated), errors.Is(err, ErrRevoked):
		return Authenticated{}, err
	case errors.Is(err, jws.ErrType), errors.Is(err, jws.ErrSignature), errors.Is(err, jws.ErrUnknownKey),
		errors.Is(err, jws.ErrMalformed), errors.Is(err, jws.ErrAlgorithm):
		return Authenticated{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	case err != nil:
		return Authenticated{}, err
	}
	if cl.Method != method || cl.URL != url || subtle.ConstantTimeCompare([]byte(cl.BodyHash), []byte(BodyHash(body))) != 1 {
		return Authenticated{}, fmt.Errorf("%w: the proof is for another request", ErrUnauthenticated)
	}
	now := s.now()
	iat := time.Unix(cl.Iat, 0)
	if iat.Before(now.Add(-MaxAge)) || iat.After(now.Add(MaxAge)) || cl.JTI == "" || len(cl.JTI) > 64 {
		return Authenticated{}, fmt.Errorf("%w: not fresh, or no jti", ErrUnauthenticated)
	}
	rp, err := s.inPerson(ctx, d.RPID)
	if err != nil {
		return Authenticated{}, fmt.Errorf("%w: %w", ErrRevoked, err)
	}
	if err := s.Store.UseNonce(ctx, "verifier-proof:"+d.ID+":"+cl.JTI, iat.Add(2*MaxAge)); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return Authenticated{}, fmt.Errorf("%w: the proof was already used", ErrUnauthenticated)
		}
		return Authenticated{}, fmt.Errorf("verifierdevice: recording the proof: %w", err)
	}
	return Authenticated{Device: d, RelyingParty: rp}, nil
}
