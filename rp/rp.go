package rp

import (
	"context"
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
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/strictjson"
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
	// ErrIssuer: the credential names another issuer (iss) than the
	// Verifier's, or its status list is not published by the issuer.
	ErrIssuer = errors.New("credential not from this issuer")
	// ErrExpired: the credential's validity period has ended (or not yet
	// begun): the holder must renew it; or, from VerifyResult, a signed
	// result's exp has passed (or its nbf is still ahead).
	ErrExpired = errors.New("credential or result expired")
	// ErrAudience: the presentation was made for another relying party.
	ErrAudience = errors.New("presentation for another audience")
	// ErrNonce: the presentation carries another nonce than the one the
	// relying party gave the wallet.
	ErrNonce = errors.New("presentation nonce mismatch")
	// ErrStale: the holder's signature is older than Expect.MaxAge (or
	// dated in the future); ask the wallet for a new presentation.
	ErrStale = errors.New("presentation not fresh")
	// ErrGuardianConsent: the holder is under 14 and the presentation
	// carries no valid consent of their guardian for this relying party
	// (the guardian consents from their wallet; the child's wallet then
	// fetches the statement once, online, before presenting offline).
	ErrGuardianConsent = errors.New("guardian consent required")
)

// Option configures a Verifier.
type Option func(*Verifier)

// WithHTTPClient sets the HTTP client for fetching keys and status lists.
func WithHTTPClient(c *http.Client) Option { return func(v *Verifier) { v.client = c } }

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(v *Verifier) { v.now = now } }

// WithKeyRefresh sets how often the issuer keys are fetched again
// (default one hour; an unknown kid also triggers a refresh). Fetches are
// attempted at most once a minute, successful or not, so a platform outage
// or forged kids cannot make every verification wait on the network.
func WithKeyRefresh(d time.Duration) Option { return func(v *Verifier) { v.keyTTL = d } }

// Verifier verifies presentations offline. It is safe for concurrent use.
type Verifier struct {
	issuer string
	client *http.Client
	now    func() time.Time
	keyTTL time.Duration

	// keyMu serialises key fetches and listMu status-list fetches, so
	// concurrent verifications that miss the cache wait for one fetch
	// instead of each making their own. Neither is held on a cache hit.
	keyMu  sync.Mutex
	listMu sync.Mutex

	mu         sync.Mutex
	keys       jose.JSONWebKeySet
	keysAt     time.Time // last successful key fetch
	keysGen    uint64    // incremented by every successful key fetch
	keysTried  time.Time // last key fetch attempt, successful or not
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
	v.keyMu.Lock()
	defer v.keyMu.Unlock()
	return v.fetchKeys(ctx)
}

// minKeyFetchInterval is the least time between two key fetches that a
// verification triggers (an expired key cache or an unknown kid).
const minKeyFetchInterval = time.Minute

// clockLeeway is the clock skew between the platform and this verifier
// that the time checks of presentations and status lists tolerate.
const clockLeeway = 30 * time.Second

// fetchKeys fetches the issuer keys; keyMu must be held.
func (v *Verifier) fetchKeys(ctx context.Context) error {
	v.mu.Lock()
	v.keysTried = v.now()
	v.mu.Unlock()
	body, _, err := v.get(ctx, v.issuer+"/.well-known/jwks.json")
	if err != nil {
		return fmt.Errorf("rp: fetching issuer keys: %w", err)
	}
	var read jws.JWKS // also reads SM2 keys, which go-jose does not
	if err := strictjson.Unmarshal(body, &read, strictjson.IgnoreUnknownFields); err != nil {
		return fmt.Errorf("rp: issuer keys: %w", err)
	}
	set := jose.JSONWebKeySet(read)
	for _, k := range set.Keys {
		if !k.IsPublic() {
			return errors.New("rp: issuer keys: the JWKS holds a private key")
		}
	}
	v.mu.Lock()
	v.keys, v.keysAt = set, v.now()
	v.keysGen++
	v.mu.Unlock()
	return nil
}

// cachedKeys returns the cached issuer keys, their generation and when they
// were fetched.
func (v *Verifier) cachedKeys() (jose.JSONWebKeySet, uint64, time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.keys, v.keysGen, v.keysAt
}

// refreshKeys fetches the keys again for a caller that holds generation gen
// and needs newer ones, unless another goroutine fetched them meanwhile
// (then those are returned) or the last attempt is less than
// minKeyFetchInterval ago. It returns the keys to use, their generation,
// and whether they are newer than gen.
func (v *Verifier) refreshKeys(ctx context.Context, gen uint64, now time.Time) (jose.JSONWebKeySet, uint64, bool) {
	v.keyMu.Lock()
	defer v.keyMu.Unlock()
	v.mu.Lock()
	keys, cur, tried := v.keys, v.keysGen, v.keysTried
	v.mu.Unlock()
	if cur != gen {
		return keys, cur, true
	}
	if now.Sub(tried) < minKeyFetchInterval {
		return keys, cur, false
	}
	if err := v.fetchKeys(ctx); err != nil {
		return keys, cur, false
	}
	keys, cur, _ = v.cachedKeys()
	return keys, cur, true
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
	// Wanghao is the holder's 网号, or "" unless the holder disclosed it
	// (the claim "wanghao"): the 网号 is selectively disclosable like the
	// age markers, so a presentation made for, say, age_over_18 alone does
	// not carry it. Credentials issued before it was selectively
	// disclosable reveal it in every presentation.
	Wanghao string
	// CredentialID is the jti of a 网证 issued before the platform left it
	// out; "" for newer ones. A presentation carries no identifier of the
	// credential: the same holder may present a different credential of
	// their batch to each relying party, and a stable ID would link them.
	CredentialID string
	// Claims are the selectively disclosed claims the holder chose to
	// present (e.g. age_over_18, and "wanghao" when disclosed), and
	// nothing else.
	Claims    map[string]any
	IssuedAt  time.Time
	ExpiresAt time.Time
	// GuardianConsent reports that the holder is under 14 and presented
	// their guardian's consent for this relying party (without it the
	// presentation does not verify: ErrGuardianConsent).
	GuardianConsent bool
}

// VerifyPresentation verifies a presentation: issuer signature and
// validity, key binding to the holder's device key with the expected
// audience and nonce, the disclosures, for a holder under 14 their
// guardian's consent for want.Audience, the credential's status, and that
// the nonce was not used before. Only the keys and status lists are fetched,
// and only when the cache does not hold them.
func (v *Verifier) VerifyPresentation(ctx context.Context, presentation string, want Expect) (*Presentation, error) {
	if want.Audience == "" || want.Nonce == "" {
		return nil, fmt.Errorf("%w: the relying party must set an audience and a nonce", ErrInvalid)
	}
	now := v.now()
	keys, gen, keysAt := v.cachedKeys()
	if now.Sub(keysAt) > v.keyTTL {
		// On failure keep verifying with the keys we have.
		keys, gen, _ = v.refreshKeys(ctx, gen, now)
	}
	opts := credential.PresentationOptions{Keys: keys, Audience: want.Audience, Nonce: want.Nonce, Now: now, MaxKBAge: want.MaxAge, Leeway: clockLeeway}
	c, err := credential.VerifyPresentation(presentation, opts)
	if errors.Is(err, credential.ErrUnknownKey) {
		// A key rotated since the last fetch: refresh once and retry.
		if keys, _, ok := v.refreshKeys(ctx, gen, now); ok {
			opts.Keys = keys
			c, err = credential.VerifyPresentation(presentation, opts)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, classify(err))
	}
	if c.Claims.Issuer != v.issuer {
		return nil, fmt.Errorf("%w: %w: issued by %q, not by %q", ErrInvalid, ErrIssuer, c.Claims.Issuer, v.issuer)
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

		GuardianConsent: c.KeyBinding.GuardianConsent != nil,
	}, nil
}

// classify adds this package's sentinel to a credential verification
// error, keeping the credential package's error in the chain.
func classify(err error) error {
	for _, m := range []struct{ from, to error }{
		{credential.ErrExpired, ErrExpired},
		{credential.ErrNotYetValid, ErrExpired},
		{credential.ErrAudience, ErrAudience},
		{credential.ErrNonce, ErrNonce},
		{credential.ErrStale, ErrStale},
		{credential.ErrGuardianConsent, ErrGuardianConsent},
	} {
		if errors.Is(err, m.from) {
			return fmt.Errorf("%w: %w", m.to, err)
		}
	}
	return err
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
		return fmt.Errorf("%w: %w: status list is not published by the issuer", ErrInvalid, ErrIssuer)
	}
	cl, ok := v.cachedList(ref.URI, now)
	if !ok {
		var err error
		if cl, err = v.fetchList(ctx, ref.URI, now); err != nil {
			return err
		}
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

// cachedList returns the cached list at uri if it is still fresh at now.
func (v *Verifier) cachedList(uri string, now time.Time) (cachedList, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	cl, ok := v.lists[uri]
	return cl, ok && now.Before(cl.expires)
}

// fetchList fetches, verifies and caches the status list at uri, for at
// most its ttl and never past the token's exp.
func (v *Verifier) fetchList(ctx context.Context, uri string, now time.Time) (cachedList, error) {
	v.listMu.Lock()
	defer v.listMu.Unlock()
	if cl, ok := v.cachedList(uri, now); ok { // fetched while we waited
		return cl, nil
	}
	body, _, err := v.get(ctx, uri)
	if err != nil {
		return cachedList{}, fmt.Errorf("%w: %w", ErrStatusUnavailable, err)
	}
	keys, gen, _ := v.cachedKeys()
	list, ttl, err := statuslist.VerifyWithLeeway(string(body), keys, uri, now, clockLeeway)
	if errors.Is(err, statuslist.ErrUnknownKey) {
		// The list may be signed by a key published after our last fetch.
		if keys, _, ok := v.refreshKeys(ctx, gen, now); ok {
			list, ttl, err = statuslist.VerifyWithLeeway(string(body), keys, uri, now, clockLeeway)
		}
	}
	if err != nil {
		return cachedList{}, fmt.Errorf("%w: %w", ErrStatusUnavailable, err)
	}
	// Fresh for ttl from when the platform signed it (not from when it
	// reached us: a copy served late by a cache must not extend it), and
	// never past its exp. A list already older than its ttl serves this
	// verification, being the newest there is, but is fetched again next
	// time.
	iat, exp, err := tokenTimes(string(body))
	if err != nil {
		return cachedList{}, fmt.Errorf("%w: %w", ErrStatusUnavailable, err)
	}
	expires := iat.Add(ttl)
	if exp.Before(expires) {
		expires = exp
	}
	cl := cachedList{list: list, expires: expires}
	v.mu.Lock()
	v.lists[uri] = cl
	v.mu.Unlock()
	return cl, nil
}

// tokenTimes reads the iat and exp of a status list token that
// statuslist.Verify has already verified (which also checked that both are
// present, integers in range, and iat not in the future).
func tokenTimes(token string) (iat, exp time.Time, err error) {
	tok, err := jws.Parse(token, jws.Expect{Typ: statuslist.TypToken})
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("status list token: %w", err)
	}
	var c struct {
		Iat int64 `json:"iat"`
		Exp int64 `json:"exp"`
	}
	if err := tok.UnverifiedClaims(&c); err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("status list token: iat, exp: %w", err)
	}
	return time.Unix(c.Iat, 0), time.Unix(c.Exp, 0), nil
}
