package rpapply

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// Paths of the applications' API.
const (
	// ApplicationsPath is the applicants' side: POST to apply, then
	// /{id}, /{id}/check and /{id}/credentials with the bearer token.
	ApplicationsPath = "/v1/rp/applications"
	// AdminPath is the operators' side: list, /{id}, /{id}/approve and
	// /{id}/refuse with the admin token.
	AdminPath = "/v1/admin/rp-applications"
)

// Problem slugs.
const (
	SlugInvalid  = "rp-application-invalid"
	SlugNotFound = "rp-application-not-found"
	SlugState    = "rp-application-state"
	SlugUnproved = "rp-application-unproved"
	SlugTaken    = "rp-application-client-id-taken"
	SlugTooMany  = "rp-application-checks"
	SlugReason   = "rp-application-reason"
	SlugQuery    = "rp-query"
)

var (
	typeInvalid  = httpx.NewType(http.StatusUnprocessableEntity, SlugInvalid)
	typeNotFound = httpx.NewType(http.StatusNotFound, SlugNotFound)
	typeState    = httpx.NewType(http.StatusConflict, SlugState)
	typeUnproved = httpx.NewType(http.StatusConflict, SlugUnproved)
	typeTaken    = httpx.NewType(http.StatusConflict, SlugTaken)
	typeTooMany  = httpx.NewType(http.StatusTooManyRequests, SlugTooMany)
	typeReason   = httpx.NewType(http.StatusUnprocessableEntity, SlugReason)
	typeQuery    = httpx.NewType(http.StatusBadRequest, SlugQuery)
)

// problem maps the service's errors to problem documents; others pass
// through (WriteError logs them and answers 500).
func problem(err error) error {
	if ve, ok := errors.AsType[*relyingparty.ValidationError](err); ok {
		return httpx.New(typeInvalid, "The application breaks the rules listed in errors.").With("errors", ve.Problems)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return httpx.New(typeNotFound, "No application has this ID and token.")
	case errors.Is(err, ErrState):
		return httpx.New(typeState, "The application is not in a state for this.")
	case errors.Is(err, ErrUnproved):
		return httpx.New(typeUnproved, "Not every domain of the application is proved.")
	case errors.Is(err, ErrClientIDTaken):
		return httpx.New(typeTaken, "A relying party already has this client ID.")
	case errors.Is(err, ErrTooManyChecks):
		return httpx.New(typeTooMany, "This application's checks for this hour are used.")
	case errors.Is(err, ErrReason):
		return httpx.New(typeReason, "A decision's reason must be display text of at most 500 characters; a refusal needs one.")
	}
	return err
}

// ApplicationRequest is the body of POST /v1/rp/applications.
type ApplicationRequest struct {
	ClientID     string   `json:"client_id"`
	Name         string   `json:"name"`
	Category     string   `json:"category"`
	LegalBasis   string   `json:"legal_basis"`
	Domains      []string `json:"domains"`
	RedirectURIs []string `json:"redirect_uris"`
	Claims       []string `json:"claims"`
	AltURL       string   `json:"alt_url"`
	AltText      string   `json:"alt_text"`
}

// Proof tells an applicant how to prove one domain: the file to serve, or
// the TXT record to publish, each holding Value.
type Proof struct {
	Domain  string `json:"domain"`
	FileURL string `json:"file_url"`
	DNSName string `json:"dns_name"`
	Value   string `json:"value"`
	Proved  bool   `json:"proved"`
}

// View is an application as its applicant and the operators see it.
type View struct {
	ID           string                    `json:"id"`
	State        string                    `json:"state"`
	ClientID     string                    `json:"client_id"`
	Name         string                    `json:"name"`
	Category     string                    `json:"category"`
	LegalBasis   string                    `json:"legal_basis,omitempty"`
	Domains      []string                  `json:"domains"`
	RedirectURIs []string                  `json:"redirect_uris"`
	Claims       []string                  `json:"claims"`
	Alternative  *relyingparty.Alternative `json:"alternative,omitempty"`
	Proofs       []Proof                   `json:"proofs"`
	Reason       string                    `json:"reason,omitempty"`
	// CredentialsGiven says the applicant fetched its client secret.
	CredentialsGiven bool       `json:"credentials_given"`
	CreatedAt        time.Time  `json:"created_at"`
	DecidedAt        *time.Time `json:"decided_at,omitempty"`
	// Token is set only in the answer that creates the application.
	Token string `json:"token,omitempty"`
	// Findings are set in the answer to a check.
	Findings []Finding `json:"findings,omitempty"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// NewView returns the view of a.
func NewView(a storage.RPApplication) View {
	v := View{
		ID: a.ID, State: string(a.State), ClientID: a.ClientID, Name: a.Name, Category: a.Category,
		LegalBasis: a.LegalBasis, Domains: nonNil(a.Domains), RedirectURIs: nonNil(a.RedirectURIs),
		Claims: nonNil(a.Claims), Reason: a.Reason, CredentialsGiven: !a.CredentialsAt.IsZero(),
		CreatedAt: a.CreatedAt.UTC(), Proofs: []Proof{},
		Alternative: relyingparty.AlternativeOf(storage.RelyingParty{AltURL: a.AltURL, AltText: a.AltText}),
	}
	if !a.DecidedAt.IsZero() {
		t := a.DecidedAt.UTC()
		v.DecidedAt = &t
	}
	for _, d := range a.Domains {
		proved := false
		for _, p := range a.Proved {
			proved = proved || p == d
		}
		v.Proofs = append(v.Proofs, Proof{Domain: d, FileURL: "https://" + d + WellKnownPath + a.Challenge,
			DNSName: TXTPrefix + d, Value: a.Challenge, Proved: proved})
	}
	return v
}

// Credentials is the answer of POST /v1/rp/applications/{id}/credentials.
type Credentials struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// DecisionRequest is the body of an operator's approve or refuse.
type DecisionRequest struct {
	Reason string `json:"reason"`
}

// API serves the applicants' and the operators' routes.
type API struct {
	Service *Service
	// Admin authorizes the operators' routes with the admin token.
	Admin *relyingparty.AdminAPI
	// Log receives one line per change (never a token or secret); nil
	// means slog.Default().
	Log     *slog.Logger
	MaxBody int64
}

// Mount registers the routes on mux (without method patterns, so that
// unsupported methods get a problem document).
func (a *API) Mount(mux *http.ServeMux) {
	mux.Handle(ApplicationsPath, http.HandlerFunc(a.applicant))
	mux.Handle(ApplicationsPath+"/", http.HandlerFunc(a.applicant))
	mux.Handle(AdminPath, http.HandlerFunc(a.operator))
	mux.Handle(AdminPath+"/", http.HandlerFunc(a.operator))
}

func (a *API) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// bearer returns the request's bearer token, "" if it has none.
func bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// split returns the ID and action after root in r's path; ok is false for
// paths with more parts.
func split(r *http.Request, root string) (id, action string, ok bool) {
	rest := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, root), "/")
	if rest == "" {
		return "", "", true
	}
	parts := strings.Split(rest, "/")
	switch len(parts) {
	case 1:
		return parts[0], "", parts[0] != ""
	case 2:
		return parts[0], parts[1], parts[0] != "" && parts[1] != ""
	}
	return "", "", false
}

func (a *API) applicant(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := a.serveApplicant(w, r); err != nil {
		httpx.WriteError(w, r, a.log(), problem(err))
	}
}

func (a *API) serveApplicant(w http.ResponseWriter, r *http.Request) error {
	id, action, ok := split(r, ApplicationsPath)
	ctx := r.Context()
	switch {
	case !ok:
		return httpx.NotFound()
	case id == "":
		if r.Method != http.MethodPost {
			return httpx.MethodNotAllowed(http.MethodPost)
		}
		var req ApplicationRequest
		if err := httpx.DecodeJSON(w, r, a.MaxBody, &req); err != nil {
			return err
		}
		app, token, err := a.Service.Create(ctx, Request(req))
		if err != nil {
			return err
		}
		a.log().InfoContext(ctx, "relying party application received", "application", app.ID, "client_id", app.ClientID,
			"request_id", httpx.RequestIDFrom(ctx))
		v := NewView(app)
		v.Token = token
		w.Header().Set("Location", ApplicationsPath+"/"+app.ID)
		httpx.WriteJSON(w, http.StatusCreated, v)
		return nil
	case action == "":
		if r.Method != http.MethodGet {
			return httpx.MethodNotAllowed(http.MethodGet)
		}
		app, err := a.Service.Get(ctx, id, bearer(r))
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, NewView(app))
		return nil
	case action == "check":
		if r.Method != http.MethodPost {
			return httpx.MethodNotAllowed(http.MethodPost)
		}
		app, findings, err := a.Service.Check(ctx, id, bearer(r))
		if err != nil {
			return err
		}
		v := NewView(app)
		v.Findings = findings
		httpx.WriteJSON(w, http.StatusOK, v)
		return nil
	case action == "credentials":
		if r.Method != http.MethodPost {
			return httpx.MethodNotAllowed(http.MethodPost)
		}
		clientID, secret, err := a.Service.Credentials(ctx, id, bearer(r))
		if err != nil {
			return err
		}
		a.log().InfoContext(ctx, "relying party credentials given", "application", id, "client_id", clientID,
			"request_id", httpx.RequestIDFrom(ctx))
		httpx.WriteJSON(w, http.StatusOK, Credentials{ClientID: clientID, ClientSecret: secret})
		return nil
	}
	return httpx.NotFound()
}

func (a *API) operator(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := a.serveOperator(w, r); err != nil {
		httpx.WriteError(w, r, a.log(), problem(err))
	}
}

func (a *API) serveOperator(w http.ResponseWriter, r *http.Request) error {
	if a.Admin == nil {
		return httpx.NotFound()
	}
	if err := a.Admin.Authorize(w, r); err != nil {
		return err
	}
	id, action, ok := split(r, AdminPath)
	ctx := r.Context()
	switch {
	case !ok:
		return httpx.NotFound()
	case id == "":
		if r.Method != http.MethodGet {
			return httpx.MethodNotAllowed(http.MethodGet)
		}
		state := storage.RPApplicationState(r.URL.Query().Get("state"))
		switch state {
		case "", storage.RPApplicationPending, storage.RPApplicationApproved, storage.RPApplicationRefused:
		default:
			return httpx.New(typeQuery, "state must be pending, approved or refused.")
		}
		apps, err := a.Service.List(ctx, state)
		if err != nil {
			return err
		}
		out := struct {
			Applications []View `json:"applications"`
		}{Applications: []View{}}
		for _, app := range apps {
			out.Applications = append(out.Applications, NewView(app))
		}
		httpx.WriteJSON(w, http.StatusOK, out)
		return nil
	case action == "":
		if r.Method != http.MethodGet {
			return httpx.MethodNotAllowed(http.MethodGet)
		}
		app, err := a.Service.Show(ctx, id)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, NewView(app))
		return nil
	case action == "approve" || action == "refuse":
		if r.Method != http.MethodPost {
			return httpx.MethodNotAllowed(http.MethodPost)
		}
		var req DecisionRequest
		if err := httpx.DecodeJSON(w, r, a.MaxBody, &req); err != nil {
			return err
		}
		var app storage.RPApplication
		var err error
		if action == "approve" {
			app, err = a.Service.Approve(ctx, id, req.Reason)
		} else {
			app, err = a.Service.Refuse(ctx, id, req.Reason)
		}
		if err != nil {
			return err
		}
		a.log().InfoContext(ctx, "relying party application decided", "application", app.ID, "state", string(app.State),
			"request_id", httpx.RequestIDFrom(ctx))
		httpx.WriteJSON(w, http.StatusOK, NewView(app))
		return nil
	}
	return httpx.NotFound()
}
