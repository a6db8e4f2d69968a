package rp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/credential/statuslist"
)

// Errors a relying party tells apart. Every verification failure wraps
// ErrInvalid; the others say more.
var (
	// ErrInvalid: the presentation does not verify.
	ErrInvalid = errors.New("presentation invalid")
	// ErrRevoked: the credential was revoked.
	ErrRevoked = errors.New("credential revoked")
	// ErrSuspended: the credential is suspended.
	ErrSuspended = errors.New("credential suspended")
	// ErrReplay: the nonce was already used by a presentation.
	ErrReplay = errors.New("nonce already used")
	// ErrStatusUnavailable: the status list could not be fetched or
	// verified; the presentation cannot be accepted.
	ErrStatusUnavailable = errors.New("credential status unavailable")
)

// Option configures a Verifier.
type Option func(*Verifier)

// WithHTTPClient sets the HTTP client for fetching keys and status lists.
func WithHTTPClient(c *http.Client) Option { return func(v *Verifier) { v.client = c } }

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(v *Verifier) { v.now = now } }

// WithKeyRefresh sets how often the issuer keys are fetched again
// (default one hour; an unknown kid also triggers one refresh at most every
// minute).
func WithKeyRefresh(d time.Duration) Option { return func(v *Verifier) { v.keyTTL = d } }

// Verifier verifies presentations offline. It is safe for concurrent use.
type Verifier struct {
	issuer string
	client *http.Client
	now    func() time.Time
	keyTTL time.Duration

	mu         sync.Mutex
	keys       jose.JSONWebKeySet
	keysAt     time.Time
	lists      map[string]cachedList
	nonces     map[string]time.Time
	lastPruned time.Time
}

type cachedList struct {
	list    *statuslist.List
	expires time.Time
}

// New returns a Verifier for the platform at issuer (its base URL) and
// fetches its keys.
func New(ctx context.Context, issuer string, opts ...Option) (*Verifier, error) {
	v := &Verifier{
		issuer: strings.TrimSuffix(issuer, "/"),
		client: &http.Client{Timeout: 10 * time.Second},
		now:    time.Now,
		keyTTL: time.Hour,
		lists:  map[string]cachedList{},
		nonces: map[string]time.Time{},
	}
	for _, o := range opts {
		o(v)
	}
	if err := v.Refresh(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

// Refresh fetches the issuer keys again.
func (v *Verifier) Refresh(ctx context.Context) error {
	body, _, err := v.get(ctx, v.issuer+"/.well-known/jwks.json")
	if err != nil {
		return fmt.Errorf("rp: fetching issuer keys: %w", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return fmt.Errorf("rp: issuer keys: %w", err)
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return errors.New("rp: issuer keys: the JWKS holds a private key")
		}
	}
	v.mu.Lock()
	v.keys, v.keysAt = set, v.now()
	v.mu.Unlock()
	return nil
}

func (v *Verifier) get(ctx context.Context, url string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return body, resp.Header, nil
}

// Expect is what the relying party asked for.
type Expect struct {
	// Audience is the relying party's identifier, as given to the wallet.
	Audience string
	// Nonce is the fresh value the relying party gave the wallet for this
	// presentation; a nonce is accepted once.
	Nonce string
	// MaxAge bounds the age of the holder's signature (default 5 minutes).
	MaxAge time.Duration
}

// Presentation is a verified presentation.
type Presentation struct {
	// Wanghao is the holder's 网号.
	Wanghao string
	// CredentialID identifies the 网证.
	CredentialID string
	// Claims are the selectively disclosed claims the holder chose to
	// present (e.g. age_over_18), and nothing else.
	Claims    map[string]any
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// VerifyPresentation verifies a presentation: issuer signature and
// validity, key binding to the holder's device key with the expected
// audience and nonce, the disclosures, the credential's status, and that the
// nonce was not used before. Only the keys and status lists are fetched,
// and only when the cache does not hold them.
func (v *Verifier) VerifyPresentation(ctx context.Context, presentation string, want Expect) (*Presentation, error) {
	if want.Audience == "" || want.Nonce == "" {
		return nil, fmt.Errorf("%w: the relying party must set an audience and a nonce", ErrInvalid)
	}
	now := v.now()
	v.mu.Lock()
	keys, keysAt := v.keys, v.keysAt
	v.mu.Unlock()
	if now.Sub(keysAt) > v.keyTTL {
		if err := v.Refresh(ctx); err == nil {
			v.mu.Lock()
			keys = v.keys
			v.mu.Unlock()
		}
	}
	opts := credential.PresentationOptions{Keys: keys, Audience: want.Audience, Nonce: want.Nonce, Now: now, MaxKBAge: want.MaxAge, Leeway: 30 * time.Second}
	c, err := credential.VerifyPresentation(presentation, opts)
	if errors.Is(err, credential.ErrUnknownKey) && now.Sub(keysAt) > time.Minute {
		// A key rotated since the last fetch: refresh once and retry.
		if rerr := v.Refresh(ctx); rerr == nil {
			v.mu.Lock()
			opts.Keys = v.keys
			v.mu.Unlock()
			c, err = credential.VerifyPresentation(presentation, opts)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if c.Claims.Issuer != v.issuer {
		return nil, fmt.Errorf("%w: issued by %q, not by %q", ErrInvalid, c.Claims.Issuer, v.issuer)
	}
	if err := v.checkStatus(ctx, c.Claims.Status, now); err != nil {
		return nil, err
	}
	if err := v.useNonce(want.Nonce, now, max(want.MaxAge, credential.DefaultMaxKBAge)); err != nil {
		return nil, err
	}
	return &Presentation{
		Wanghao:      c.Claims.Wanghao,
		CredentialID: c.Claims.ID,
		Claims:       c.Disclosed,
		IssuedAt:     c.Claims.IssuedAt,
		ExpiresAt:    c.Claims.ExpiresAt,
	}, nil
}

// useNonce records a nonce; a nonce seen within its window is a replay.
func (v *Verifier) useNonce(nonce string, now time.Time, window time.Duration) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if now.Sub(v.lastPruned) > window {
		for n, until := range v.nonces {
			if now.After(until) {
				delete(v.nonces, n)
			}
		}
		v.lastPruned = now
	}
	if until, ok := v.nonces[nonce]; ok && !now.After(until) {
		return fmt.Errorf("%w: %w", ErrInvalid, ErrReplay)
	}
	v.nonces[nonce] = now.Add(2 * window)
	return nil
}

func (v *Verifier) checkStatus(ctx context.Context, ref credential.Status, now time.Time) error {
	if ref.URI == "" {
		return fmt.Errorf("%w: the credential has no status reference", ErrInvalid)
	}
	if !strings.HasPrefix(ref.URI, v.issuer+"/") {
		return fmt.Errorf("%w: status list is not published by the issuer", ErrInvalid)
	}
	v.mu.Lock()
	cl, ok := v.lists[ref.URI]
	v.mu.Unlock()
	if !ok || !now.Before(cl.expires) {
		body, _, err := v.get(ctx, ref.URI)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrStatusUnavailable, err)
		}
		v.mu.Lock()
		keys := v.keys
		v.mu.Unlock()
		list, ttl, err := statuslist.Verify(string(body), keys, ref.URI, now)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrStatusUnavailable, err)
		}
		cl = cachedList{list: list, expires: now.Add(ttl)}
		v.mu.Lock()
		v.lists[ref.URI] = cl
		v.mu.Unlock()
	}
	st, err := cl.list.Get(ref.Index)
	if err != nil {
		return fmt.Errorf("%w: status index: %w", ErrInvalid, err)
	}
	switch st {
	case statuslist.Valid:
		return nil
	case statuslist.Suspended:
		return fmt.Errorf("%w: %w", ErrInvalid, ErrSuspended)
	}
	return fmt.Errorf("%w: %w", ErrInvalid, ErrRevoked)
}
