package counter

import (
	"context"
	"crypto/ecdsa"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/smx509"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/strictjson"
	"github.com/netid-project/netid/internal/suite"
)

// Kinds of counters.
const (
	KindPoliceStation = "police_station"
	KindServiceHall   = "service_hall"
)

// Kinds are the kinds of counters an operator may register.
var Kinds = []string{KindPoliceStation, KindServiceHall}

// Errors of the register.
var (
	// ErrNotFound: no counter has this ID.
	ErrNotFound = errors.New("counter: no such counter")
	// ErrExists: a counter with this ID is already registered.
	ErrExists = errors.New("counter: a counter with this ID is already registered")
	// ErrAlreadyDisabled: the counter was disabled before.
	ErrAlreadyDisabled = errors.New("counter: the counter is already disabled")
)

// ValidationError lists every problem of a registration.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "counter: invalid registration: " + strings.Join(e.Problems, "; ")
}

// Registration is what an operator registers.
type Registration struct {
	ID, Name, Kind, LegalBasis string
	// Key is the counter's public key: a public JWK (EC P-256, JSON), a
	// PEM "PUBLIC KEY", or a PEM "CERTIFICATE" whose key is P-256.
	Key []byte
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// Validate reports every problem of r at once, as a *ValidationError.
func (r Registration) Validate() error {
	var p []string
	if !idPattern.MatchString(r.ID) {
		p = append(p, "id must be 3 to 64 of a-z 0-9 . _ - starting with a letter or digit")
	}
	text := func(name, v string, max int) {
		switch {
		case strings.TrimSpace(v) == "":
			p = append(p, name+" is required")
		case !utf8.ValidString(v) || strings.ContainsRune(v, 0) || utf8.RuneCountInString(v) > max:
			p = append(p, fmt.Sprintf("%s must be valid text of at most %d characters", name, max))
		}
	}
	text("name", r.Name, 200)
	text("legal_basis", r.LegalBasis, 500)
	known := false
	for _, k := range Kinds {
		known = known || r.Kind == k
	}
	if !known {
		p = append(p, "kind must be one of "+strings.Join(Kinds, ", "))
	}
	if _, _, err := ParseKey(r.Key); err != nil {
		p = append(p, err.Error())
	}
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

// maxKey bounds a key or certificate given at registration.
const maxKey = 16 << 10

// ParseKey reads a counter's public key: a public JWK (EC P-256 or SM2), a PEM
// PUBLIC KEY or a PEM CERTIFICATE. It returns the key as a public JWK and,
// for a certificate, its DER.
func ParseKey(b []byte) (jose.JSONWebKey, []byte, error) {
	var none jose.JSONWebKey
	if len(b) == 0 {
		return none, nil, errors.New("key is required: a public JWK (EC P-256 or SM2) or a PEM public key or certificate")
	}
	if len(b) > maxKey {
		return none, nil, errors.New("key is too large")
	}
	var pub any
	var der []byte
	if block, rest := pem.Decode(b); block != nil {
		if strings.TrimSpace(string(rest)) != "" {
			return none, nil, errors.New("key must be one PEM block")
		}
		switch block.Type {
		case "CERTIFICATE":
			// smx509 reads SM2 certificates beside every x509 one.
			cert, err := smx509.ParseCertificate(block.Bytes)
			if err != nil {
				return none, nil, errors.New("key: the certificate does not parse")
			}
			pub, der = cert.PublicKey, block.Bytes
		case "PUBLIC KEY":
			k, err := smx509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return none, nil, errors.New("key: the public key does not parse")
			}
			pub = k
		case "PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "SM2 PRIVATE KEY":
			// netid counter keygen writes an SM2 key's private key as PEM
			// PKCS #8: the file an operator is most likely to give by
			// mistake.
			return none, nil, errors.New("key: the PEM block holds a private key; give the public key only")
		default:
			return none, nil, fmt.Errorf("key: a PEM %q block is not a public key or certificate", block.Type)
		}
	} else {
		var raw map[string]any
		if err := strictjson.Unmarshal(b, &raw); err != nil {
			return none, nil, errors.New("key is neither a JWK nor PEM")
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
			if _, ok := raw[private]; ok {
				return none, nil, errors.New("key: the JWK holds a private key; give the public key only")
			}
		}
		k, err := jws.ParsePublicJWK(b)
		if err != nil {
			return none, nil, errors.New("key: the JWK does not parse")
		}
		pub = k.Key
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	alg, known := jws.AlgorithmFor(pub)
	if !ok || !known {
		return none, nil, errors.New("key must be an EC P-256 key (ES256) or an SM2 key (SM2)")
	}
	jwk := jose.JSONWebKey{Key: ec, Algorithm: string(alg), Use: "sig"}
	return jwk, der, nil
}

// Thumbprint is the RFC 7638 thumbprint of a public key, base64url, under
// its suite's hash (SHA-256 of a P-256 key, SM3 of an SM2 key).
func Thumbprint(k jose.JSONWebKey) (string, error) {
	t, err := suite.KeyID(&k)
	if err != nil {
		return "", fmt.Errorf("counter: key thumbprint: %w", err)
	}
	return t, nil
}

// Key returns a registered counter's public key.
func Key(c storage.Counter) (jose.JSONWebKey, error) {
	k, err := jws.ParsePublicJWK(c.PublicKey)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("counter: the stored key of %s does not parse: %w", c.ID, err)
	}
	return *k, nil
}

// Channel is the record channel of counters: their applications
// (proofing.ChannelCounter, the same value) and the operator's
// registering and disabling them.
const Channel = "counter"

// Outcomes of the records of the register: the operator registered or
// disabled a counter. They name no person (the record's RPID and RP name
// are the counter's), so no holder's history shows them; they put every
// change of whom the platform trusts into the signed record log.
const (
	OutcomeRegistered = "counter_registered"
	OutcomeDisabled   = "counter_disabled"
)

// RecordLog appends to the record log in the transaction of the change
// the record records (audit.Log).
type RecordLog interface {
	AppendIn(ctx context.Context, tx audit.Store, r storage.Record) (storage.Record, error)
}

// Transactor runs several storage calls in one transaction
// (storage.Storage).
type Transactor interface {
	InTransaction(ctx context.Context, fn func(tx storage.Storage) error) error
}

// Registry is the register of counters.
type Registry struct {
	Store storage.CounterStore
	// DB and Records, if both are set, record each registration and each
	// disabling in the record log, in the transaction of the change.
	DB      Transactor
	Records RecordLog
	Now     func() time.Time
	// Suite is the deployment's crypto suite: a counter's key is its key
	// (SM2 on sm, P-256 on es256). Default suite.ES256.
	Suite suite.Suite
}

// write makes the change fn on the register and, with a record log,
// appends its record in the same transaction.
func (r *Registry) write(ctx context.Context, fn func(st storage.CounterStore) (storage.Counter, error), outcome string) (storage.Counter, error) {
	if r.DB == nil || r.Records == nil {
		return fn(r.Store)
	}
	var c storage.Counter
	err := r.DB.InTransaction(ctx, func(tx storage.Storage) error {
		var err error
		if c, err = fn(tx); err != nil {
			return err
		}
		rec := storage.Record{RPID: c.ID, RPName: c.Name, Channel: Channel, Outcome: outcome}
		if _, err := r.Records.AppendIn(ctx, tx, rec); err != nil {
			return fmt.Errorf("counter: recording %s: %w", outcome, err)
		}
		return nil
	})
	return c, err
}

func (r *Registry) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// Add registers a counter, active from now.
func (r *Registry) Add(ctx context.Context, reg Registration) (storage.Counter, error) {
	reg.Name, reg.LegalBasis = strings.TrimSpace(reg.Name), strings.TrimSpace(reg.LegalBasis)
	if err := reg.Validate(); err != nil {
		return storage.Counter{}, err
	}
	jwk, der, _ := ParseKey(reg.Key)
	if _, err := r.Suite.Or(suite.ES256).CheckPublicKey(&jwk); err != nil {
		return storage.Counter{}, &ValidationError{Problems: []string{"key: " + err.Error()}}
	}
	thumb, err := Thumbprint(jwk)
	if err != nil {
		return storage.Counter{}, err
	}
	jwk.KeyID = reg.ID
	pub, err := jws.JWK(jwk).MarshalJSON()
	if err != nil {
		return storage.Counter{}, fmt.Errorf("counter: encoding the key: %w", err)
	}
	now := r.now()
	if len(der) > 0 {
		if cert, _ := smx509.ParseCertificate(der); cert != nil && !now.Before(cert.NotAfter) {
			return storage.Counter{}, &ValidationError{Problems: []string{"key: the certificate expired on " + cert.NotAfter.UTC().Format(time.DateOnly)}}
		}
	}
	c := storage.Counter{
		ID: reg.ID, Name: reg.Name, Kind: reg.Kind, LegalBasis: reg.LegalBasis,
		PublicKey: pub, KeyID: thumb, Certificate: der,
		State: storage.CounterActive, CreatedAt: now, UpdatedAt: now,
	}
	_, err = r.write(ctx, func(st storage.CounterStore) (storage.Counter, error) {
		return c, st.CreateCounter(ctx, c)
	}, OutcomeRegistered)
	if errors.Is(err, storage.ErrAlreadyExists) {
		return storage.Counter{}, ErrExists
	}
	if err != nil {
		return storage.Counter{}, fmt.Errorf("counter: registering: %w", err)
	}
	return c, nil
}

// Get returns the counter id; ErrNotFound if there is none.
func (r *Registry) Get(ctx context.Context, id string) (storage.Counter, error) {
	if !idPattern.MatchString(id) {
		return storage.Counter{}, ErrNotFound
	}
	c, err := r.Store.GetCounter(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return c, ErrNotFound
	}
	return c, err
}

// List returns every counter, by ID.
func (r *Registry) List(ctx context.Context) ([]storage.Counter, error) {
	return r.Store.ListCounters(ctx)
}

// Disable stops accepting the counter's submissions from now, with the
// operator's reason. A disabled counter stays in the register (its
// records name it); it is not enabled again: a counter that works again
// is registered under a new ID with a new key.
func (r *Registry) Disable(ctx context.Context, id, reason string) (storage.Counter, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > 500 {
		return storage.Counter{}, &ValidationError{Problems: []string{"reason is required (at most 500 characters)"}}
	}
	if !idPattern.MatchString(id) {
		return storage.Counter{}, ErrNotFound
	}
	now := r.now()
	c, err := r.write(ctx, func(st storage.CounterStore) (storage.Counter, error) {
		return st.UpdateCounter(ctx, id, func(c storage.Counter) (storage.Counter, error) {
			if c.State == storage.CounterDisabled {
				return c, ErrAlreadyDisabled
			}
			c.State, c.DisabledReason, c.DisabledAt, c.UpdatedAt = storage.CounterDisabled, reason, now, now
			return c, nil
		})
	}, OutcomeDisabled)
	if errors.Is(err, storage.ErrNotFound) {
		return c, ErrNotFound
	}
	return c, err
}
