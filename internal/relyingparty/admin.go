package relyingparty

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/storage"
)

// AdminTokenDomain is the MAC domain of the admin token: configure
// AdminAPI.TokenMAC as MAC(AdminTokenDomain, token).
const AdminTokenDomain = "admin-token"

// AdminPath is the root of the admin API's relying-party routes.
const AdminPath = "/v1/admin/relying-parties"

// Problem slugs of the admin API.
const (
	SlugInvalid           = "rp-invalid"
	SlugExists            = "rp-exists"
	SlugNotFound          = "rp-not-found"
	SlugAdminUnauthorized = "admin-unauthorized"
)

// Problem types of the admin API.
var (
	typeInvalid  = httpx.NewType(http.StatusUnprocessableEntity, SlugInvalid)
	typeExists   = httpx.NewType(http.StatusConflict, SlugExists)
	typeNotFound = httpx.NewType(http.StatusNotFound, SlugNotFound)
	// TypeAdminUnauthorized answers a request without a valid admin token.
	TypeAdminUnauthorized = httpx.NewType(http.StatusUnauthorized, SlugAdminUnauthorized)
)

// maxAdminToken bounds a presented admin token before hashing.
const maxAdminToken = 1024

// AdminAPI is the operators' HTTP API for relying parties:
//
//	POST  /v1/admin/relying-parties               register (201; the client secret, once)
//	GET   /v1/admin/relying-parties               list
//	GET   /v1/admin/relying-parties/{id}          show
//	PATCH /v1/admin/relying-parties/{id}          update fields (a Patch)
//	POST  /v1/admin/relying-parties/{id}/secret   rotate the secret (the new one, once)
//	POST  /v1/admin/relying-parties/{id}/disable  disable
//	POST  /v1/admin/relying-parties/{id}/enable   enable again
//
// Every route needs "Authorization: Bearer <admin token>", checked by
// comparing MAC(AdminTokenDomain, token) with TokenMAC in constant time.
// Without a TokenMAC (or MAC) every route answers 404, as if absent.
// Answers never carry a secret hash or private key parts, and are marked
// Cache-Control: no-store.
type AdminAPI struct {
	Registry *Registry
	// TokenMAC is MAC(AdminTokenDomain, admin token); empty turns the API
	// off.
	TokenMAC []byte
	// MAC is the keyed hash TokenMAC was made with (keys.Indexer.MAC).
	MAC func(domain string, b []byte) []byte
	// Log receives one line per change (never a secret); nil means
	// slog.Default().
	Log *slog.Logger
	// MaxBody bounds request bodies; zero or less means
	// httpx.DefaultMaxBodyBytes.
	MaxBody int64
}

// Mount registers the routes on mux (without method patterns, so that
// unsupported methods get a problem document).
func (a *AdminAPI) Mount(mux *http.ServeMux) {
	mux.Handle(AdminPath, a)
	mux.Handle(AdminPath+"/", a)
}

func (a *AdminAPI) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// ServeHTTP implements http.Handler.
func (a *AdminAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := a.serve(w, r); err != nil {
		httpx.WriteError(w, r, a.log(), adminProblem(err))
	}
}

func (a *AdminAPI) serve(w http.ResponseWriter, r *http.Request) error {
	if len(a.TokenMAC) == 0 || a.MAC == nil {
		return httpx.NotFound()
	}
	if !a.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="netid-admin"`)
		return httpx.New(TypeAdminUnauthorized,
			"A valid admin bearer token is required.")
	}
	rest, ok := strings.CutPrefix(r.URL.Path, AdminPath)
	if !ok {
		return httpx.NotFound()
	}
	if rest == "" {
		switch r.Method {
		case http.MethodGet:
			return a.list(w, r)
		case http.MethodPost:
			return a.register(w, r)
		}
		return httpx.MethodNotAllowed(http.MethodGet, http.MethodPost)
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	id := parts[0]
	if !idPattern.MatchString(id) {
		return ErrNotFound
	}
	switch len(parts) {
	case 1:
		switch r.Method {
		case http.MethodGet:
			return a.show(w, r, id)
		case http.MethodPatch:
			return a.update(w, r, id)
		}
		return httpx.MethodNotAllowed(http.MethodGet, http.MethodPatch)
	case 2:
		action := parts[1]
		if action != "secret" && action != "disable" && action != "enable" {
			return httpx.NotFound()
		}
		if r.Method != http.MethodPost {
			return httpx.MethodNotAllowed(http.MethodPost)
		}
		switch action {
		case "secret":
			return a.rotate(w, r, id)
		case "disable":
			return a.setDisabled(w, r, id, true)
		default:
			return a.setDisabled(w, r, id, false)
		}
	}
	return httpx.NotFound()
}

// Authorize checks r's admin token for another operators' API mounted
// beside this one: nil if it is valid; a 404 problem while the admin API
// is off (no token configured), as if the route were absent; otherwise a
// 401 problem (with WWW-Authenticate set on w).
func (a *AdminAPI) Authorize(w http.ResponseWriter, r *http.Request) error {
	if len(a.TokenMAC) == 0 || a.MAC == nil {
		return httpx.NotFound()
	}
	if !a.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="netid-admin"`)
		return httpx.New(TypeAdminUnauthorized, "A valid admin bearer token is required.")
	}
	return nil
}

func (a *AdminAPI) authorized(r *http.Request) bool {
	h := r.Header.Values("Authorization")
	if len(h) != 1 {
		return false
	}
	scheme, token, _ := strings.Cut(h[0], " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > maxAdminToken {
		return false
	}
	return subtle.ConstantTimeCompare(a.MAC(AdminTokenDomain, []byte(token)), a.TokenMAC) == 1
}

// registrationBody is the JSON body of a registration. A client secret
// cannot be given: the platform generates it.
type registrationBody struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Sector        string          `json:"sector"`
	Category      string          `json:"category"`
	LegalBasis    string          `json:"legal_basis"`
	Domains       []string        `json:"domains"`
	RedirectURIs  []string        `json:"redirect_uris"`
	AllowedClaims []string        `json:"allowed_claims"`
	AuthMethod    string          `json:"auth_method"`
	IDTokenAlg    string          `json:"id_token_signed_response_alg"`
	JWKS          json.RawMessage `json:"jwks"`
	AltURL        string          `json:"alt_url"`
	AltText       string          `json:"alt_text"`
}

func (a *AdminAPI) register(w http.ResponseWriter, r *http.Request) error {
	var body registrationBody
	if err := httpx.DecodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	jwks := body.JWKS
	if string(jwks) == "null" {
		jwks = nil
	}
	rp, secret, err := a.Registry.Register(r.Context(), Registration{
		ID: body.ID, Name: body.Name, Sector: body.Sector, Category: body.Category,
		LegalBasis: body.LegalBasis, Domains: body.Domains, RedirectURIs: body.RedirectURIs,
		AllowedClaims: body.AllowedClaims, AuthMethod: body.AuthMethod, IDTokenAlg: body.IDTokenAlg, JWKS: jwks,
		AltURL: body.AltURL, AltText: body.AltText,
	})
	if err != nil {
		return err
	}
	a.log().InfoContext(r.Context(), "relying party registered", "rp", rp.ID,
		"auth_method", rp.AuthMethod, "request_id", httpx.RequestIDFrom(r.Context()))
	v := NewView(rp)
	v.ClientSecret = secret
	w.Header().Set("Location", AdminPath+"/"+rp.ID)
	httpx.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func (a *AdminAPI) list(w http.ResponseWriter, r *http.Request) error {
	rps, err := a.Registry.List(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		RelyingParties []View `json:"relying_parties"`
	}{RelyingParties: make([]View, 0, len(rps))}
	for _, rp := range rps {
		out.RelyingParties = append(out.RelyingParties, NewView(rp))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *AdminAPI) show(w http.ResponseWriter, r *http.Request, id string) error {
	rp, err := a.Registry.Get(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, NewView(rp))
	return nil
}

func (a *AdminAPI) update(w http.ResponseWriter, r *http.Request, id string) error {
	var p Patch
	if err := httpx.DecodeJSON(w, r, a.MaxBody, &p); err != nil {
		return err
	}
	rp, err := a.Registry.Update(r.Context(), id, func(reg *Registration) error {
		p.Apply(reg)
		return nil
	})
	if err != nil {
		return err
	}
	a.log().InfoContext(r.Context(), "relying party updated", "rp", rp.ID,
		"request_id", httpx.RequestIDFrom(r.Context()))
	httpx.WriteJSON(w, http.StatusOK, NewView(rp))
	return nil
}

func (a *AdminAPI) rotate(w http.ResponseWriter, r *http.Request, id string) error {
	secret, err := a.Registry.RotateSecret(r.Context(), id)
	if err != nil {
		return err
	}
	a.log().InfoContext(r.Context(), "relying party secret rotated", "rp", id,
		"request_id", httpx.RequestIDFrom(r.Context()))
	httpx.WriteJSON(w, http.StatusOK, struct {
		ID           string `json:"id"`
		ClientSecret string `json:"client_secret"`
	}{id, secret})
	return nil
}

func (a *AdminAPI) setDisabled(w http.ResponseWriter, r *http.Request, id string, disabled bool) error {
	var err error
	msg := "relying party enabled"
	if disabled {
		err, msg = a.Registry.Disable(r.Context(), id), "relying party disabled"
	} else {
		err = a.Registry.Enable(r.Context(), id)
	}
	if err != nil {
		return err
	}
	a.log().InfoContext(r.Context(), msg, "rp", id, "request_id", httpx.RequestIDFrom(r.Context()))
	return a.show(w, r, id)
}

// adminProblem maps the registry's errors to problem documents; other
// errors pass through (WriteError logs them and answers 500).
func adminProblem(err error) error {
	if ve, ok := errors.AsType[*ValidationError](err); ok {
		return httpx.New(typeInvalid,
			"The registration breaks the rules listed in errors.").With("errors", ve.Problems)
	}
	switch {
	case errors.Is(err, ErrExists):
		return httpx.New(typeExists,
			"A relying party with this ID is already registered.")
	case errors.Is(err, ErrNotFound), errors.Is(err, storage.ErrNotFound):
		return httpx.New(typeNotFound,
			"No relying party has this ID.")
	}
	return err
}
