package relyingparty

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// View is what operators see of a relying party (the admin API's JSON and
// the CLI's show): everything but the secret hash. JWKS holds only public
// keys; HasSecret says whether a client_secret_basic relying party has a
// secret set. ClientSecret is set only in the answer that creates the
// secret (registration, rotation).
type View struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Sector        string          `json:"sector"`
	Category      string          `json:"category"`
	LegalBasis    string          `json:"legal_basis,omitempty"`
	Domains       []string        `json:"domains"`
	RedirectURIs  []string        `json:"redirect_uris"`
	AllowedClaims []string        `json:"allowed_claims"`
	AuthMethod    string          `json:"auth_method"`
	IDTokenAlg    string          `json:"id_token_signed_response_alg"`
	JWKS          json.RawMessage `json:"jwks,omitempty"`
	AltURL        string          `json:"alt_url,omitempty"`
	AltText       string          `json:"alt_text,omitempty"`
	HasSecret     bool            `json:"has_secret"`
	Disabled      bool            `json:"disabled"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	ClientSecret  string          `json:"client_secret,omitempty"`
}

// NewView returns the operators' view of rp. The key set is parsed and
// re-encoded, so only public key parts can appear; an unparsable stored
// key set is left out.
func NewView(rp storage.RelyingParty) View {
	v := View{
		ID:            rp.ID,
		Name:          rp.Name,
		Sector:        rp.Sector,
		Category:      rp.Category,
		LegalBasis:    rp.LegalBasis,
		Domains:       nonNil(rp.Domains),
		RedirectURIs:  nonNil(rp.RedirectURIs),
		AllowedClaims: nonNil(rp.AllowedClaims),
		AuthMethod:    rp.AuthMethod,
		IDTokenAlg:    cmp.Or(rp.IDTokenAlg, DefaultIDTokenAlg),
		AltURL:        rp.AltURL,
		AltText:       rp.AltText,
		HasSecret:     rp.SecretHash != "",
		Disabled:      rp.Disabled,
		CreatedAt:     rp.CreatedAt.UTC(),
		UpdatedAt:     rp.UpdatedAt.UTC(),
	}
	if len(rp.JWKS) > 0 {
		if set, err := ParseJWKS(rp.JWKS); err == nil {
			v.JWKS, _ = normalJWKS(set) // public keys always encode
		}
	}
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// Patch is a partial change of a registration, as the admin API's PATCH
// body and the CLI's update flags give it: a nil field is left as it is.
// JWKS "null" removes the key set; a key set is also removed when
// AuthMethod changes away from private_key_jwt and no JWKS is given.
type Patch struct {
	Name          *string         `json:"name"`
	Category      *string         `json:"category"`
	LegalBasis    *string         `json:"legal_basis"`
	Domains       *[]string       `json:"domains"`
	RedirectURIs  *[]string       `json:"redirect_uris"`
	AllowedClaims *[]string       `json:"allowed_claims"`
	AuthMethod    *string         `json:"auth_method"`
	IDTokenAlg    *string         `json:"id_token_signed_response_alg"`
	JWKS          json.RawMessage `json:"jwks"`
	AltURL        *string         `json:"alt_url"`
	AltText       *string         `json:"alt_text"`
}

// Apply changes r by p.
func (p Patch) Apply(r *Registration) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	setList := func(dst *[]string, src *[]string) {
		if src != nil {
			*dst = slices.Clone(*src)
		}
	}
	set(&r.Name, p.Name)
	set(&r.Category, p.Category)
	set(&r.LegalBasis, p.LegalBasis)
	setList(&r.Domains, p.Domains)
	setList(&r.RedirectURIs, p.RedirectURIs)
	setList(&r.AllowedClaims, p.AllowedClaims)
	set(&r.AuthMethod, p.AuthMethod)
	set(&r.IDTokenAlg, p.IDTokenAlg)
	set(&r.AltURL, p.AltURL)
	set(&r.AltText, p.AltText)
	switch {
	case string(p.JWKS) == "null":
		r.JWKS = nil
	case p.JWKS != nil:
		r.JWKS = slices.Clone(p.JWKS)
	case r.AuthMethod != storage.AuthPrivateKeyJWT:
		r.JWKS = nil
	}
}
