package rpapply

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// TokenDomain is the MAC domain of applicants' bearer tokens.
const TokenDomain = "rp-application-token"

// Limits.
const (
	// ChecksPerHour bounds the domain checks of one application.
	ChecksPerHour = 20
	// MaxReasonRunes is the longest reason of a decision.
	MaxReasonRunes = 500
	tokenBytes     = 32
	idBytes        = 16
)

// Errors of the service.
var (
	// ErrNotFound: no application has this ID, or the token is not its
	// token (the two are not told apart).
	ErrNotFound = errors.New("rpapply: application not found")
	// ErrState: the application is not in the state the action needs
	// (already decided, not approved, credentials already given).
	ErrState = errors.New("rpapply: the application is not in a state for this")
	// ErrUnproved: an operator approves an application whose domains are
	// not all proved.
	ErrUnproved = errors.New("rpapply: not every domain is proved")
	// ErrClientIDTaken: a relying party already has the client ID asked
	// for.
	ErrClientIDTaken = errors.New("rpapply: the client ID is taken")
	// ErrTooManyChecks: the application's checks for this hour are used.
	ErrTooManyChecks = errors.New("rpapply: too many checks")
	// ErrReason: a refusal without a reason, or a reason that is not
	// display text.
	ErrReason = errors.New("rpapply: a decision needs a reason of display text")
)

// Request is what an organisation applies for.
type Request struct {
	ClientID     string
	Name         string
	Category     string
	LegalBasis   string
	Domains      []string
	RedirectURIs []string
	Claims       []string
	AltURL       string
	AltText      string
}

// Service runs the applications.
type Service struct {
	Store storage.Storage
	// Registry registers approved relying parties; its MAC keys the
	// client secrets.
	Registry *relyingparty.Registry
	// MAC keys the applicants' tokens (keys.Indexer.MAC).
	MAC func(domain string, b []byte) []byte
	// Checker looks for the challenges; nil means a Checker with the safe
	// defaults.
	Checker *Checker
	// Now is the clock; nil means time.Now. Rand is the source of IDs,
	// tokens and challenges; nil means crypto/rand.
	Now  func() time.Time
	Rand io.Reader
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
		return nil, fmt.Errorf("rpapply: drawing random bytes: %w", err)
	}
	return b, nil
}

func (s *Service) checker() *Checker {
	if s.Checker != nil {
		return s.Checker
	}
	return &Checker{}
}

// registration is the relying party an application asks to become.
func registration(r Request) relyingparty.Registration {
	return relyingparty.Registration{
		ID: r.ClientID, Name: r.Name, Category: r.Category, LegalBasis: r.LegalBasis,
		Domains: r.Domains, RedirectURIs: r.RedirectURIs, AllowedClaims: r.Claims,
		AuthMethod: storage.AuthClientSecret, AltURL: r.AltURL, AltText: r.AltText,
	}
}

// Create validates r as a registration would be validated, with at least
// one domain to prove, and stores a pending application. It returns the
// application and its bearer token, in clear this once.
//
// Errors: a *relyingparty.ValidationError, ErrClientIDTaken.
func (s *Service) Create(ctx context.Context, r Request) (storage.RPApplication, string, error) {
	if r.Category == "" {
		r.Category = storage.CategoryInternetService
	}
	err := registration(r).Validate()
	ve, _ := errors.AsType[*relyingparty.ValidationError](err)
	if err != nil && ve == nil {
		return storage.RPApplication{}, "", err
	}
	if len(r.Domains) == 0 {
		if ve == nil {
			ve = &relyingparty.ValidationError{}
		}
		ve.Problems = append(ve.Problems, "domains: at least one domain, to be proved")
	}
	if ve != nil {
		// The registration calls the client ID "id"; an applicant sent it
		// as client_id, so the problems name it so.
		for i, p := range ve.Problems {
			if rest, ok := strings.CutPrefix(p, "id:"); ok {
				ve.Problems[i] = "client_id:" + rest
			}
		}
		return storage.RPApplication{}, "", ve
	}
	if _, err := s.Store.GetRelyingParty(ctx, r.ClientID); err == nil {
		return storage.RPApplication{}, "", ErrClientIDTaken
	} else if !errors.Is(err, storage.ErrNotFound) {
		return storage.RPApplication{}, "", err
	}
	id, err := s.random(idBytes)
	if err != nil {
		return storage.RPApplication{}, "", err
	}
	token, err := s.random(tokenBytes)
	if err != nil {
		return storage.RPApplication{}, "", err
	}
	challenge, err := s.random(tokenBytes)
	if err != nil {
		return storage.RPApplication{}, "", err
	}
	tok := base64.RawURLEncoding.EncodeToString(token)
	now := s.now()
	a := storage.RPApplication{
		ID: "rpa-" + hex.EncodeToString(id), State: storage.RPApplicationPending,
		TokenHash: s.MAC(TokenDomain, []byte(tok)),
		ClientID:  r.ClientID, Name: r.Name, Category: r.Category, LegalBasis: r.LegalBasis,
		Domains: slices.Clone(r.Domains), RedirectURIs: slices.Clone(r.RedirectURIs),
		Claims: relyingparty.CanonicalClaims(r.Claims),
		AltURL: r.AltURL, AltText: r.AltText,
		Challenge: base64.RawURLEncoding.EncodeToString(challenge),
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.Store.CreateRPApplication(ctx, a); err != nil {
		return storage.RPApplication{}, "", fmt.Errorf("rpapply: storing the application: %w", err)
	}
	return a, tok, nil
}

// authorized returns the application id if token is its token.
func (s *Service) authorized(ctx context.Context, id, token string) (storage.RPApplication, error) {
	if id == "" || token == "" || len(token) > 256 {
		return storage.RPApplication{}, ErrNotFound
	}
	a, err := s.Store.GetRPApplication(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.RPApplication{}, ErrNotFound
	}
	if err != nil {
		return storage.RPApplication{}, err
	}
	if subtle.ConstantTimeCompare(s.MAC(TokenDomain, []byte(token)), a.TokenHash) != 1 {
		return storage.RPApplication{}, ErrNotFound
	}
	return a, nil
}

// Get returns the application id to its applicant. Errors: ErrNotFound.
func (s *Service) Get(ctx context.Context, id, token string) (storage.RPApplication, error) {
	return s.authorized(ctx, id, token)
}

// Check looks for the challenge at each domain not yet proved and records
// the domains found. It returns the application and what was found for
// each domain (proved ones as proved). Checks are limited to
// ChecksPerHour per application.
//
// Errors: ErrNotFound, ErrState (decided), ErrTooManyChecks.
func (s *Service) Check(ctx context.Context, id, token string) (storage.RPApplication, []Finding, error) {
	a, err := s.authorized(ctx, id, token)
	if err != nil {
		return a, nil, err
	}
	if a.State != storage.RPApplicationPending {
		return a, nil, ErrState
	}
	now := s.now()
	n, err := s.Store.Increment(ctx, "rp-application-check:"+a.ID, now.Truncate(time.Hour).Add(time.Hour))
	if err != nil {
		return a, nil, err
	}
	if n > ChecksPerHour {
		return a, nil, ErrTooManyChecks
	}
	var findings []Finding
	var found []string
	for _, d := range a.Domains {
		if slices.Contains(a.Proved, d) {
			findings = append(findings, Finding{Domain: d, Proved: true})
			continue
		}
		f := s.checker().Check(ctx, d, a.Challenge)
		findings = append(findings, f)
		if f.Proved {
			found = append(found, d)
		}
	}
	if len(found) == 0 {
		return a, findings, nil
	}
	a, err = s.Store.UpdateRPApplication(ctx, a.ID, func(cur storage.RPApplication) (storage.RPApplication, error) {
		if cur.State != storage.RPApplicationPending {
			return cur, ErrState
		}
		for _, d := range found {
			if !slices.Contains(cur.Proved, d) {
				cur.Proved = append(cur.Proved, d)
			}
		}
		cur.UpdatedAt = s.now()
		return cur, nil
	})
	return a, findings, err
}

// Credentials gives the applicant of an approved application its client
// secret, once: a new secret is drawn and its keyed hash stored in the
// same transaction that marks the credentials given, so two racing
// requests cannot both receive one.
//
// Errors: ErrNotFound, ErrState (not approved, or already given).
func (s *Service) Credentials(ctx context.Context, id, token string) (clientID, secret string, err error) {
	a, err := s.authorized(ctx, id, token)
	if err != nil {
		return "", "", err
	}
	if a.State != storage.RPApplicationApproved || !a.CredentialsAt.IsZero() {
		return "", "", ErrState
	}
	err = s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.UpdateRPApplication(ctx, a.ID, func(cur storage.RPApplication) (storage.RPApplication, error) {
			if cur.State != storage.RPApplicationApproved || !cur.CredentialsAt.IsZero() {
				return cur, ErrState
			}
			cur.CredentialsAt, cur.UpdatedAt = s.now(), s.now()
			return cur, nil
		}); err != nil {
			return err
		}
		secret, err = s.registryIn(tx).RotateSecret(ctx, a.ClientID)
		return err
	})
	if err != nil {
		return "", "", err
	}
	s.forget(a.ClientID)
	return a.ClientID, secret, nil
}

// forget makes the registry's store, when it caches relying parties,
// read id afresh: a change committed in one of this service's own
// transactions did not pass through it.
func (s *Service) forget(id string) {
	if c, ok := s.Registry.Store.(interface{ Forget(id string) }); ok {
		c.Forget(id)
	}
}

// registryIn is the registry working in transaction tx.
func (s *Service) registryIn(tx storage.Storage) *relyingparty.Registry {
	r := *s.Registry
	r.Store = tx
	return &r
}

// List returns the applications in state ("" for all), oldest first.
func (s *Service) List(ctx context.Context, state storage.RPApplicationState) ([]storage.RPApplication, error) {
	return s.Store.ListRPApplications(ctx, state)
}

// Show returns the application id to an operator. Errors: ErrNotFound.
func (s *Service) Show(ctx context.Context, id string) (storage.RPApplication, error) {
	a, err := s.Store.GetRPApplication(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return a, ErrNotFound
	}
	return a, err
}

// checkReason checks a decision's reason: display text of at most
// MaxReasonRunes runes, required unless optional.
func checkReason(reason string, optional bool) error {
	switch {
	case reason == "" && optional:
		return nil
	case reason == "", !utf8.ValidString(reason), utf8.RuneCountInString(reason) > MaxReasonRunes,
		strings.TrimSpace(reason) != reason, strings.IndexFunc(reason, unicode.IsControl) >= 0:
		return ErrReason
	}
	return nil
}

// Approve registers the relying party an application asks to become, with
// the reason (optional), in one transaction with the application's
// decision: of two racing decisions exactly one is taken. The client
// secret the registration draws is never shown: the applicant receives a
// new one through Credentials.
//
// Errors: ErrNotFound, ErrState (decided), ErrUnproved, ErrClientIDTaken,
// a *relyingparty.ValidationError (the registration rules changed since),
// ErrReason.
func (s *Service) Approve(ctx context.Context, id, reason string) (storage.RPApplication, error) {
	if err := checkReason(reason, true); err != nil {
		return storage.RPApplication{}, err
	}
	var out storage.RPApplication
	err := s.Store.InTransaction(ctx, func(tx storage.Storage) error {
		a, err := tx.UpdateRPApplication(ctx, id, func(cur storage.RPApplication) (storage.RPApplication, error) {
			if cur.State != storage.RPApplicationPending {
				return cur, ErrState
			}
			for _, d := range cur.Domains {
				if !slices.Contains(cur.Proved, d) {
					return cur, ErrUnproved
				}
			}
			now := s.now()
			cur.State, cur.Reason, cur.DecidedAt, cur.UpdatedAt = storage.RPApplicationApproved, reason, now, now
			return cur, nil
		})
		if err != nil {
			return err
		}
		_, _, err = s.registryIn(tx).Register(ctx, registration(Request{
			ClientID: a.ClientID, Name: a.Name, Category: a.Category, LegalBasis: a.LegalBasis,
			Domains: a.Domains, RedirectURIs: a.RedirectURIs, Claims: a.Claims, AltURL: a.AltURL, AltText: a.AltText,
		}))
		if errors.Is(err, relyingparty.ErrExists) {
			return ErrClientIDTaken
		}
		out = a
		return err
	})
	if errors.Is(err, storage.ErrNotFound) {
		return out, ErrNotFound
	}
	if err == nil {
		s.forget(out.ClientID)
	}
	return out, err
}

// Refuse refuses an application for reason.
//
// Errors: ErrNotFound, ErrState (decided), ErrReason.
func (s *Service) Refuse(ctx context.Context, id, reason string) (storage.RPApplication, error) {
	if err := checkReason(reason, false); err != nil {
		return storage.RPApplication{}, err
	}
	a, err := s.Store.UpdateRPApplication(ctx, id, func(cur storage.RPApplication) (storage.RPApplication, error) {
		if cur.State != storage.RPApplicationPending {
			return cur, ErrState
		}
		now := s.now()
		cur.State, cur.Reason, cur.DecidedAt, cur.UpdatedAt = storage.RPApplicationRefused, reason, now, now
		return cur, nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return a, ErrNotFound
	}
	return a, err
}
