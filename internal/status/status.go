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

// Publisher signs and caches status list tokens. A list missing from the
// cache is built (its statuses read, the token signed) once however many
// requests ask for it at the same moment, and without holding up requests
// for other lists: a list of 131,072 entries takes a while to read, and
// one lock over the reads would make every other list's request, a
// cache hit included, wait for it.
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
	// building holds the list builds under way, by list; requests for a
	// list being built wait for its build.
	building map[string]*build
}

type cached struct {
	token   string
	expires time.Time
}

// build is one reading and signing of a list. Its fields are set before
// done is closed.
type build struct {
	done    chan struct{}
	token   string
	expires time.Time
	err     error
	// stale: Invalidate was called for the list while it was being built,
	// so the token is not cached.
	stale bool
	// waiters counts the requests that joined the build (under the
	// Publisher's mu); the tests read it to know that they wait.
	waiters int
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

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Token returns the signed status list token of list and how long it may
// still be cached.
func (p *Publisher) Token(ctx context.Context, list string) (string, time.Duration, error) {
	if n, err := strconv.ParseInt(list, 10, 64); err != nil || n < 1 || strconv.FormatInt(n, 10) != list {
		return "", 0, ErrUnknownList
	}
	now := p.now()
	p.mu.Lock()
	if c, ok := p.cache[list]; ok && now.Before(c.expires) {
		p.mu.Unlock()
		return c.token, c.expires.Sub(now), nil
	}
	b, building := p.building[list]
	if building {
		b.waiters++
	} else {
		b = &build{done: make(chan struct{})}
		if p.building == nil {
			p.building = map[string]*build{}
		}
		p.building[list] = b
	}
	p.mu.Unlock()
	if building {
		select {
		case <-b.done:
		case <-ctx.Done():
			return "", 0, ctx.Err()
		}
	} else {
		p.run(ctx, list, b, now)
	}
	if b.err != nil {
		return "", 0, b.err
	}
	return b.token, max(0, b.expires.Sub(p.now())), nil
}

// run builds list into b, caches the token unless b went stale, and
// releases b's waiters, even if the build panics. The build serves every
// request waiting for it, so one that goes away does not cancel it for the
// others.
func (p *Publisher) run(ctx context.Context, list string, b *build, now time.Time) {
	b.err = errors.New("status: the list's build failed")
	defer func() {
		p.mu.Lock()
		if p.building[list] == b {
			delete(p.building, list)
		}
		if b.err == nil && !b.stale {
			if p.cache == nil {
				p.cache = map[string]cached{}
			}
			p.cache[list] = cached{token: b.token, expires: b.expires}
		}
		p.mu.Unlock()
		close(b.done)
	}()
	b.token, b.expires, b.err = p.sign(context.WithoutCancel(ctx), list, now)
}

// sign reads the statuses of list and signs its token, cacheable until
// the returned time.
func (p *Publisher) sign(ctx context.Context, list string, now time.Time) (string, time.Time, error) {
	entries, err := p.Store.ListStatuses(ctx, list)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("status: reading list: %w", err)
	}
	if len(entries) == 0 {
		return "", time.Time{}, ErrUnknownList
	}
	l, err := statuslist.New(Bits, int(p.Size))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("status: %w", err)
	}
	for _, e := range entries {
		if err := l.Set(e.Index, Value(e.Status)); err != nil {
			return "", time.Time{}, fmt.Errorf("status: entry %d: %w", e.Index, err)
		}
	}
	key, kid := p.Keys.Signer()
	validity := max(time.Hour, 2*p.TTL)
	token, err := statuslist.Sign(l, p.URI(list), key, kid, now, p.TTL, validity)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("status: signing: %w", err)
	}
	return token, now.Add(p.TTL), nil
}
