package relyingparty

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/storage"
)

// RegistryPath is the public register of relying parties.
const RegistryPath = "/v1/rp/registry"

// Alternative is the other way in a relying party offers people who do
// not use a 网号: an address, a description, or both.
type Alternative struct {
	URL  string `json:"url,omitempty"`
	Text string `json:"text,omitempty"`
}

// AlternativeOf returns rp's other way in, nil if it named none.
func AlternativeOf(rp storage.RelyingParty) *Alternative {
	if rp.AltURL == "" && rp.AltText == "" {
		return nil
	}
	return &Alternative{URL: rp.AltURL, Text: rp.AltText}
}

// PublicEntry is what anyone may read of a relying party in the public
// register: who it is, where it is, and how people without a 网号 get in.
type PublicEntry struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Category    string       `json:"category"`
	Domains     []string     `json:"domains"`
	Alternative *Alternative `json:"alternative,omitempty"`
}

// PublicRegister is the answer of GET /v1/rp/registry.
type PublicRegister struct {
	RelyingParties []PublicEntry `json:"relying_parties"`
}

// PublicRegistry serves GET /v1/rp/registry: every relying party that is
// not disabled, ordered by ID, with its other way in. It needs no
// authentication and shows nothing an operator keeps to itself (no legal
// basis, claims, keys or redirect URIs). Other methods are answered 405.
type PublicRegistry struct {
	Registry *Registry
	// Log receives failures; nil means slog.Default().
	Log *slog.Logger
}

// Mount registers the route on mux (without a method pattern, so that
// other methods get a problem document).
func (p *PublicRegistry) Mount(mux *http.ServeMux) { mux.Handle(RegistryPath, p) }

// ServeHTTP implements http.Handler.
func (p *PublicRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		httpx.WriteError(w, r, p.Log, httpx.MethodNotAllowed(http.MethodGet))
		return
	}
	out, err := p.Register(r.Context())
	if err != nil {
		httpx.WriteError(w, r, p.Log, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	httpx.WriteJSON(w, http.StatusOK, out)
}

// Register returns the public register.
func (p *PublicRegistry) Register(ctx context.Context) (PublicRegister, error) {
	rps, err := p.Registry.List(ctx)
	if err != nil {
		return PublicRegister{}, err
	}
	out := PublicRegister{RelyingParties: []PublicEntry{}}
	for _, rp := range rps {
		if rp.Disabled {
			continue
		}
		out.RelyingParties = append(out.RelyingParties, PublicEntry{
			ID: rp.ID, Name: rp.Name, Category: rp.Category, Domains: nonNil(rp.Domains),
			Alternative: AlternativeOf(rp),
		})
	}
	return out, nil
}

// CanonicalClaims returns claims with the always-provided claims added, in
// the order registrations store them.
func CanonicalClaims(claims []string) []string { return canonicalClaims(claims) }
