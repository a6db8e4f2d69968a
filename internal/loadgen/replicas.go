package loadgen

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/netid-project/netid/internal/wallet"
)

// maxReplicas bounds the servers one run of Verify spreads its load over.
const maxReplicas = 16

// serverList splits VerifyOptions.Server, a comma-separated list of base
// URLs of replicas of one platform (netid serve on one PostgreSQL, all
// with the same --public-url), into its URLs without trailing slashes.
// Empty entries are refused, so a stray comma is not a silent
// replica fewer.
func serverList(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > maxReplicas {
		return nil, fmt.Errorf("%w: --server names %d servers, at most %d", ErrOptions, len(parts), maxReplicas)
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSuffix(strings.TrimSpace(p), "/")
		if p == "" {
			return nil, fmt.Errorf("%w: --server has an empty entry (a comma-separated list of URLs)", ErrOptions)
		}
		if err := checkLoopback(p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// replica is one server a verification can run against: its base URL and
// a wallet client on it.
type replica struct {
	base string
	wc   *wallet.Client
}

// rotation hands the replicas out round-robin, one per verification:
// every step of a verification goes to the same replica, consecutive
// verifications to consecutive replicas.
type rotation struct {
	replicas []replica
	next     atomic.Uint64
}

// newRotation returns a rotation over bases, with wallet clients sharing
// hc. With no bases it hands out first alone.
func newRotation(first *wallet.Client, bases []string, hc *http.Client) *rotation {
	r := &rotation{}
	if len(bases) <= 1 {
		r.replicas = []replica{{base: strings.TrimSuffix(first.BaseURL, "/"), wc: first}}
		return r
	}
	for _, b := range bases {
		r.replicas = append(r.replicas, replica{base: b, wc: &wallet.Client{BaseURL: b, HTTP: hc}})
	}
	return r
}

// pick returns the replica of the next verification.
func (r *rotation) pick() replica {
	n := r.next.Add(1) - 1
	return r.replicas[n%uint64(len(r.replicas))]
}

// describe names the replicas for the run's heading.
func (r *rotation) describe() string {
	if len(r.replicas) == 1 {
		return ""
	}
	bases := make([]string, len(r.replicas))
	for i, rep := range r.replicas {
		bases[i] = rep.base
	}
	return fmt.Sprintf(" (%d replicas, round-robin per verification: %s)", len(r.replicas), strings.Join(bases, ", "))
}
