package status

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/netid-project/netid/internal/credential/statuslist"
	"github.com/netid-project/netid/internal/storage"
)

// ErrUnknownList is returned for a list that holds no credential.
var ErrUnknownList = errors.New("no such status list")

// Store is what the publisher reads (storage.Storage satisfies it).
type Store interface {
	ListStatuses(ctx context.Context, list string) ([]storage.StatusEntry, error)
}

// KeySigner gives the active signing key (keys.KeySet).
type KeySigner interface {
	Signer() (crypto.Signer, string)
}

// Publisher signs and caches status list tokens.
type Publisher struct {
	Store Store
	Keys  KeySigner
	// URI returns the URI of a list (its token's sub).
	URI func(list string) string
	// Size is the number of entries per list.
	Size int64
	// TTL is how long relying parties may cache a list.
	TTL time.Duration
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	token   string
	expires time.Time
}

// Bits is the number of status bits per credential.
const Bits = 2

// Value maps a stored credential status to its status list value.
func Value(s storage.CredentialStatus) byte {
	switch s {
	case storage.CredentialActive:
		return statuslist.Valid
	case storage.CredentialSuspended:
		return statuslist.Suspended
	}
	return statuslist.Invalid
}

// Token returns the signed status list token of list and how long it may
// still be cached.
func (p *Publisher) Token(ctx context.Context, list string) (string, time.Duration, error) {
	if n, err := strconv.ParseInt(list, 10, 64); err != nil || n < 1 || strconv.FormatInt(n, 10) != list {
		return "", 0, ErrUnknownList
	}
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.cache[list]; ok && now.Before(c.expires) {
		return c.token, c.expires.Sub(now), nil
	}
	entries, err := p.Store.ListStatuses(ctx, list)
	if err != nil {
		return "", 0, fmt.Errorf("status: reading list: %w", err)
	}
	if len(entries) == 0 {
		return "", 0, ErrUnknownList
	}
	l, err := statuslist.New(Bits, int(p.Size))
	if err != nil {
		return "", 0, fmt.Errorf("status: %w", err)
	}
	for _, e := range entries {
		if err := l.Set(e.Index, Value(e.Status)); err != nil {
			return "", 0, fmt.Errorf("status: entry %d: %w", e.Index, err)
		}
	}
	key, kid := p.Keys.Signer()
	validity := max(time.Hour, 2*p.TTL)
	token, err := statuslist.Sign(l, p.URI(list), key, kid, now, p.TTL, validity)
	if err != nil {
		return "", 0, fmt.Errorf("status: signing: %w", err)
	}
	if p.cache == nil {
		p.cache = map[string]cached{}
	}
	p.cache[list] = cached{token: token, expires: now.Add(p.TTL)}
	return token, p.TTL, nil
}
