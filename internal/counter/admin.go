package counter

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/storage"
)

// AdminPath is the root of the admin API's counter routes.
const AdminPath = "/v1/admin/counters"

// Problem types of the register (admin API) and of submissions.
var (
	typeInvalid         = httpx.NewType(http.StatusUnprocessableEntity, "counter-invalid")
	typeExists          = httpx.NewType(http.StatusConflict, "counter-exists")
	typeNotFound        = httpx.NewType(http.StatusNotFound, "counter-not-found")
	typeAlreadyDisabled = httpx.NewType(http.StatusConflict, "counter-already-disabled")

	typeMalformed = httpx.NewType(http.StatusBadRequest, "counter-submission-malformed")
	typeUnknown   = httpx.NewType(http.StatusUnauthorized, "counter-unknown")
	typeDisabled  = httpx.NewType(http.StatusForbidden, "counter-disabled")
	typeSignature = httpx.NewType(http.StatusUnauthorized, "counter-signature-invalid")
	typeStale     = httpx.NewType(http.StatusUnauthorized, "counter-submission-stale")
	typeReplayed  = httpx.NewType(http.StatusConflict, "counter-submission-replayed")
	typeFace      = httpx.NewType(http.StatusUnprocessableEntity, "counter-face-not-passed")
	typeCert      = httpx.NewType(http.StatusForbidden, "counter-certificate-invalid")
)

// View is a counter as the admin API shows it.
type View struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Kind       string          `json:"kind"`
	LegalBasis string          `json:"legal_basis"`
	KeyID      string          `json:"key_thumbprint"`
	PublicKey  json.RawMessage `json:"public_key"`
	// Certificate is true when the key was registered with a certificate.
	Certificate    bool       `json:"certificate,omitempty"`
	State          string     `json:"state"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
}

// NewView is c's view.
func NewView(c storage.Counter) View {
	v := View{
		ID: c.ID, Name: c.Name, Kind: c.Kind, LegalBasis: c.LegalBasis, KeyID: c.KeyID,
		PublicKey: json.RawMessage(c.PublicKey), Certificate: len(c.Certificate) > 0,
		State: string(c.State), DisabledReason: c.DisabledReason, CreatedAt: c.CreatedAt,
	}
	if len(v.PublicKey) == 0 {
		v.PublicKey = json.RawMessage("null")
	}
	if !c.DisabledAt.IsZero() {
		d := c.DisabledAt
		v.DisabledAt = &d
	}
	return v
}

// AdminAPI is the operators' HTTP API for counters:
//
//	POST /v1/admin/counters               register (201)
//	GET  /v1/admin/counters               list
//	GET  /v1/admin/counters/{id}          show
//	POST /v1/admin/counters/{id}/disable  disable, with {"reason"}
//
// Every route needs the operators' admin token, checked by Authorized
// (relyingparty.AdminAPI.Authorized); without one (Authorized nil, or
// reporting the API off) every route answers 404, as if absent.
type AdminAPI struct {
	Registry *Registry
	// Enabled reports whether the admin API is on (an admin token is
	// configured); Authorized whether the request carries the token.
	Enabled    func() bool
	Authorized func(r *http.Request) bool
	// Unauthorized is the problem a request without the token gets.
	Unauthorized func() error
	Log          *slog.Logger
	MaxBody      int64
}

// Mount registers the routes on mux.
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
		httpx.WriteError(w, r, a.log(), Problem(err))
	}
}

func (a *AdminAPI) serve(w http.ResponseWriter, r *http.Request) error {
	if a.Enabled == nil || a.Authorized == nil || !a.Enabled() {
		return httpx.NotFound()
	}
	if !a.Authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="netid-admin"`)
		return a.Unauthorized()
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
			return a.add(w, r)
		}
		return httpx.MethodNotAllowed(http.MethodGet, http.MethodPost)
	}
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	switch {
	case len(parts) == 1:
		if r.Method != http.MethodGet {
			return httpx.MethodNotAllowed(http.MethodGet)
		}
		c, err := a.Registry.Get(r.Context(), parts[0])
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, NewView(c))
		return nil
	case len(parts) == 2 && parts[1] == "disable":
		if r.Method != http.MethodPost {
			return httpx.MethodNotAllowed(http.MethodPost)
		}
		return a.disable(w, r, parts[0])
	}
	return httpx.NotFound()
}

// RegistrationBody is the JSON body of a registration: the key as a JWK
// object, or as PEM text (a public key or a certificate).
type RegistrationBody struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Kind       string          `json:"kind"`
	LegalBasis string          `json:"legal_basis"`
	PublicKey  json.RawMessage `json:"public_key,omitempty"`
	PEM        string          `json:"pem,omitempty"`
}

func (a *AdminAPI) add(w http.ResponseWriter, r *http.Request) error {
	var body RegistrationBody
	if err := httpx.DecodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	key := []byte(body.PublicKey)
	if string(key) == "null" {
		key = nil
	}
	if body.PEM != "" {
		if len(key) > 0 {
			return &ValidationError{Problems: []string{"give public_key or pem, not both"}}
		}
		key = []byte(body.PEM)
	}
	c, err := a.Registry.Add(r.Context(), Registration{ID: body.ID, Name: body.Name, Kind: body.Kind, LegalBasis: body.LegalBasis, Key: key})
	if err != nil {
		return err
	}
	a.log().InfoContext(r.Context(), "counter registered", "counter", c.ID, "kind", c.Kind,
		"request_id", httpx.RequestIDFrom(r.Context()))
	w.Header().Set("Location", AdminPath+"/"+c.ID)
	httpx.WriteJSON(w, http.StatusCreated, NewView(c))
	return nil
}

func (a *AdminAPI) list(w http.ResponseWriter, r *http.Request) error {
	cs, err := a.Registry.List(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		Counters []View `json:"counters"`
	}{Counters: make([]View, 0, len(cs))}
	for _, c := range cs {
		out.Counters = append(out.Counters, NewView(c))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// DisableBody is the JSON body of a disable.
type DisableBody struct {
	Reason string `json:"reason"`
}

func (a *AdminAPI) disable(w http.ResponseWriter, r *http.Request, id string) error {
	var body DisableBody
	if err := httpx.DecodeJSON(w, r, a.MaxBody, &body); err != nil {
		return err
	}
	c, err := a.Registry.Disable(r.Context(), id, body.Reason)
	if err != nil {
		return err
	}
	a.log().InfoContext(r.Context(), "counter disabled", "counter", c.ID, "request_id", httpx.RequestIDFrom(r.Context()))
	httpx.WriteJSON(w, http.StatusOK, NewView(c))
	return nil
}

// Problem maps the register's and the submissions' errors to problem
// documents; other errors pass through unchanged.
func Problem(err error) error {
	if ve, ok := errors.AsType[*ValidationError](err); ok {
		return httpx.New(typeInvalid, "The registration breaks the rules listed in errors.").With("errors", ve.Problems)
	}
	for _, m := range []struct {
		err error
		typ httpx.Type
	}{
		{ErrExists, typeExists},
		{ErrNotFound, typeNotFound},
		{ErrAlreadyDisabled, typeAlreadyDisabled},
		{ErrMalformed, typeMalformed},
		{ErrUnknownCounter, typeUnknown},
		{ErrDisabled, typeDisabled},
		{ErrBadSignature, typeSignature},
		{ErrStale, typeStale},
		{ErrReplayed, typeReplayed},
		{ErrFace, typeFace},
		{ErrCertificate, typeCert},
	} {
		if errors.Is(err, m.err) {
			return httpx.New(m.typ, err.Error())
		}
	}
	return err
}
