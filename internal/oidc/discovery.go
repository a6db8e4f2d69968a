package oidc

import (
	"net/http"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/verification"
)

// Metadata is the provider's discovery document (OpenID Connect Discovery
// 1.0 §3, RFC 8414, RFC 9207).
type Metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgs      []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	ClaimTypesSupported               []string `json:"claim_types_supported"`
	ClaimsParameterSupported          bool     `json:"claims_parameter_supported"`
	RequestParameterSupported         bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
	ACRValuesSupported                []string `json:"acr_values_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	AuthorizationResponseISSSupported bool     `json:"authorization_response_iss_parameter_supported"`
}

// Discovery returns the provider's metadata.
func (p *Provider) Discovery() Metadata {
	return Metadata{
		Issuer:                            p.Issuer,
		AuthorizationEndpoint:             p.Issuer + PathAuthorize,
		TokenEndpoint:                     p.Issuer + PathToken,
		UserinfoEndpoint:                  p.Issuer + PathUserinfo,
		JWKSURI:                           p.Issuer + PathJWKS,
		ScopesSupported:                   Scopes,
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{"authorization_code"},
		SubjectTypesSupported:             []string{"pairwise"},
		IDTokenSigningAlgValuesSupported:  algNames(p.idTokenAlgs()),
		TokenEndpointAuthMethodsSupported: []string{"private_key_jwt", "client_secret_basic", "none"},
		TokenEndpointAuthSigningAlgs:      []string{"ES256"},
		ClaimsSupported:                   ClaimsSupported(),
		ClaimTypesSupported:               []string{"normal"},
		ClaimsParameterSupported:          true,
		ACRValuesSupported:                []string{verification.ACRPossession, verification.ACRPassword, verification.ACRFace},
		CodeChallengeMethodsSupported:     []string{"S256"},
		AuthorizationResponseISSSupported: true,
	}
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, p.Discovery())
}

func algNames(algs []jose.SignatureAlgorithm) []string {
	out := make([]string, len(algs))
	for i, a := range algs {
		out[i] = string(a)
	}
	return out
}
