package witness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/audit/treeproof"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/strictjson"
)

// ErrResponse: the platform's answer is not what its API promises (an
// error status, malformed JSON, too large).
var ErrResponse = errors.New("witness: unexpected response from the platform")

// maxResponse bounds an answer of the platform (a tree head, a proof, the
// JWKS).
const maxResponse = 256 << 10

// HTTPSource is the platform's public API at Server (its base URL).
// Client nil means a client with a 30-second timeout.
type HTTPSource struct {
	Server string
	Client *http.Client
}

var _ Source = HTTPSource{}

// NewestTreeHead fetches GET /v1/audit/tree-head.
func (s HTTPSource) NewestTreeHead(ctx context.Context) (string, error) {
	var h api.TreeHead
	if err := s.get(ctx, "/v1/audit/tree-head", nil, &h); err != nil {
		return "", err
	}
	return h.Signature, nil
}

// Consistency fetches GET /v1/audit/consistency?from=size1&to=size2.
func (s HTTPSource) Consistency(ctx context.Context, size1, size2 int64) ([][]byte, error) {
	q := url.Values{"from": {strconv.FormatInt(size1, 10)}, "to": {strconv.FormatInt(size2, 10)}}
	var c api.Consistency
	if err := s.get(ctx, "/v1/audit/consistency", q, &c); err != nil {
		return nil, err
	}
	if c.From != size1 || c.To != size2 {
		return nil, fmt.Errorf("%w: a proof from %d to %d, not %d to %d", ErrResponse, c.From, c.To, size1, size2)
	}
	return treeproof.DecodeHashes(c.Proof)
}

// JWKS fetches the platform's public keys, GET /.well-known/jwks.json.
func (s HTTPSource) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	var set jws.JWKS // also reads SM2 keys, which go-jose does not
	err := s.get(ctx, "/.well-known/jwks.json", nil, &set)
	return jose.JSONWebKeySet(set), err
}

func (s HTTPSource) get(ctx context.Context, path string, q url.Values, out any) error {
	target := strings.TrimRight(s.Server, "/") + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("witness: GET %s: invalid server URL", path)
	}
	req.Header.Set("Accept", "application/json")
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("witness: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("witness: GET %s: %w", path, err)
	}
	if resp.StatusCode == http.StatusNotFound && path == "/v1/audit/tree-head" {
		return fmt.Errorf("witness: GET %s: %w", path, treeproof.ErrNoHead)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s: status %d", ErrResponse, path, resp.StatusCode)
	}
	if len(body) > maxResponse {
		return fmt.Errorf("%w: GET %s: larger than %d bytes", ErrResponse, path, maxResponse)
	}
	// The JWKS may carry members this side does not know; the head and
	// proof are strict.
	if set, ok := out.(*jose.JSONWebKeySet); ok {
		if err := json.Unmarshal(body, set); err != nil {
			return fmt.Errorf("%w: GET %s: %w", ErrResponse, path, err)
		}
		return nil
	}
	if err := strictjson.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%w: GET %s: %w", ErrResponse, path, err)
	}
	return nil
}
