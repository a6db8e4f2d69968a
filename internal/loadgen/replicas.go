package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/netid-project/netid/internal/wallet"
)

// maxReplicas bounds the servers one run of Verify spreads its load over.
const maxReplicas = 16

// serverList splits VerifyOptions.Server, a comma-separated list of base
// URLs of replicas of one platform (netid serve on one PostgreSQL, all
// with the first URL as --public-url), into its URLs without trailing
// slashes. Empty entries are refused, so a stray comma is not a silent
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

// replica is one server a verification can run against: every request
// names the platform's public URL (the first server's: holder proofs and
// client assertions are bound to it) and hc connects to the replica's
// own address, as a load balancer in front of the replicas would.
type replica struct {
	addr string // host:port the requests go to
	hc   *http.Client
	wc   *wallet.Client
}

// rotation hands the replicas out round-robin, one per verification:
// every step of a verification goes to the same replica, consecutive
// verifications to consecutive replicas.
type rotation struct {
	replicas   []replica
	transports []*http.Transport
	next       atomic.Uint64
}

// newRotation returns a rotation over bases whose requests go to
// first.BaseURL's paths; with fewer than two bases it hands out first and
// hc alone. idle is each replica's pool of idle connections.
func newRotation(first *wallet.Client, hc *http.Client, bases []string, idle int) *rotation {
	r := &rotation{}
	if len(bases) <= 1 {
		r.replicas = []replica{{addr: hostPort(first.BaseURL), hc: hc, wc: first}}
		return r
	}
	for _, b := range bases {
		addr := hostPort(b)
		d := &net.Dialer{Timeout: 10 * time.Second}
		t := &http.Transport{
			MaxIdleConnsPerHost: idle, IdleConnTimeout: 30 * time.Second,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr)
			},
		}
		c := &http.Client{Timeout: hc.Timeout, Transport: t}
		r.transports = append(r.transports, t)
		r.replicas = append(r.replicas, replica{addr: addr, hc: c, wc: &wallet.Client{BaseURL: first.BaseURL, HTTP: c}})
	}
	return r
}

// hostPort is the host:port of an http(s) URL.
func hostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// pick returns the replica of the next verification.
func (r *rotation) pick() replica {
	n := r.next.Add(1) - 1
	return r.replicas[n%uint64(len(r.replicas))]
}

// close closes the replicas' idle connections.
func (r *rotation) close() {
	for _, t := range r.transports {
		t.CloseIdleConnections()
	}
}

// describe names the replicas for the run's heading.
func (r *rotation) describe() string {
	if len(r.replicas) == 1 {
		return ""
	}
	addrs := make([]string, len(r.replicas))
	for i, rep := range r.replicas {
		addrs[i] = rep.addr
	}
	return fmt.Sprintf(" (%d replicas, round-robin per verification: %s)", len(r.replicas), strings.Join(addrs, ", "))
}

// Holders applies for n adult credentials through c, a development
// platform (documents minted by its dev authority, phone codes from its dev
// outbox), with wallets and documents under dir, and returns the wallets
// unlocked: holders for tests that drive verifications step by step, such
// as those of several replicas (internal/replicatest).
func Holders(ctx context.Context, c *wallet.Client, dir string, n int) ([]*wallet.Unlocked, error) {
	return setUpHolders(ctx, c, dir, n)
}

// HolderPassword is the credential password of the holders Holders sets
// up.
const HolderPassword = holderPassword
