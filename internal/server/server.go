package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/counter"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/help"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/oidc"
	"github.com/netid-project/netid/internal/proofing"
	"github.com/netid-project/netid/internal/recourse"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/status"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/verification"
	"github.com/netid-project/netid/internal/verifierdevice"
)

// Passwords checks a person's credential password with the lockout
// (person.Passwords).
type Passwords interface {
	Verify(ctx context.Context, personID, password string) error
}

// JWKSource publishes the platform's public keys (keys.KeySet).
type JWKSource interface {
	JWKS(now time.Time) jose.JSONWebKeySet
}

// Pinger checks the database (readiness).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server is the platform's HTTP handler and its dependencies.
type Server struct {
	Proofing *proofing.Service
	// Passwords checks a holder's credential password with the lockout.
	Passwords Passwords
	Holders   holder.Verifier
	Keys      JWKSource
	// Suite is the platform's crypto suite; the discovery document names
	// its signature algorithm. The zero value is ES256.
	Suite  suite.Suite
	Status *status.Publisher
	DB     Pinger
	// PublicURL is the external base URL (no trailing slash).
	PublicURL string
	MaxBody   int64
	Log       *slog.Logger
	Registry  *prometheus.Registry
	// Verification runs verification sessions; Clients authenticates
	// relying parties; Heads gives the record log's signed heads; Admin
	// is the operators' API (its routes answer 404 without a token).
	Verification *verification.Service
	Clients      *relyingparty.Authenticator
	Heads        HeadLister
	// Tree gives the Merkle tree over the record log: its newest signed
	// head and the nodes proofs are built from. Nil: records are answered
	// without proofs and the tree's endpoints answer 404.
	Tree  TreeReader
	Admin *relyingparty.AdminAPI
	// RPRoutes serve relying parties and those who would become one: the
	// public register, applications, daily counts; each mounted as is.
	RPRoutes []Mounter
	// RPStats counts relying parties' records for GET /v1/rp/stats
	// (rpstats.go); nil leaves the route unmounted.
	RPStats RecordCounter
	// OIDC is the OpenID Connect provider (package oidc), mounted as is.
	OIDC Mounter
	// EID verifies electronic ID card codes for in-person verifiers (API
	// and web page, eid.go); nil leaves them unmounted.
	EID *eidverify.Service
	// Verifiers are the in-person verifiers' terminals (verifier.go): they
	// sign their eID checks with their own keys. Nil leaves their routes
	// unmounted (and POST /v1/eid/verify takes client authentication only).
	Verifiers *verifierdevice.Service
	// Lifecycle, if set, serves the holders' self-service and the
	// operators' credential actions (lifecycle.go).
	Lifecycle *lifecycle.Service
	// Cases, if set, serves the holders' cases and the operators' queue
	// (cases.go).
	Cases *recourse.Service
	// Web, if set, serves the pages a person opens in a browser: the
	// landing page at / and the web wallet (package webwallet).
	Web Mounter
	// Counters, if set, verifies counters' submissions of applications
	// (counter.go); CounterAdmin is the operators' register of counters.
	Counters     *counter.Verifier
	CounterAdmin Mounter
	// Dev, when set, mounts the development authorities under /dev/.
	Dev *Dev
	// Help is the operator's help for people who cannot go on alone,
	// published at /v1/help and added to the problems that call for it
	// (help.go).
	Help help.Help
	// Liveness is the provider POST /v1/liveness relays the wallet pages'
	// face checks to (liveness.go); nil: the route answers
	// liveness-unavailable.
	Liveness liveness.Provider
	// RateLimit limits requests per client address, except the relying
	// parties' server-to-server calls (ServerToServer), which Clients and
	// the OIDC provider limit per relying party; nil means no limit.
	RateLimit *httpx.RateLimiter
	// TrustedProxies are the reverse proxies whose ProxyHeader names the
	// client address (httpx.TrustedProxies); empty means the direct peer
	// is the client.
	TrustedProxies []netip.Prefix
	ProxyHeader    string
	// SMSEnabled is false when no SMS sender is configured: the phone
	// step then answers 503.
	SMSEnabled bool
	Now        func() time.Time
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Mounter registers its own routes.
type Mounter interface {
	Mount(mux *http.ServeMux)
}

// HeadLister gives the signed heads of the record log.
type HeadLister interface {
	ListHeads(ctx context.Context) ([]storage.Head, error)
}

// TreeReader gives the Merkle tree over the record log (storage.Storage).
type TreeReader interface {
	LatestTreeHead(ctx context.Context) (storage.TreeHead, error)
	GetTreeNodes(ctx context.Context, ids []storage.TreeNode) ([]storage.TreeNode, error)
}

// StatusPath is the path of status list LIST: /status/LIST.
const StatusPath = "/status/"

// Handler returns the platform's HTTP handler with its middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Mount(mux)
	metrics := httpx.NewMetrics(s.Registry)
	mw := []func(http.Handler) http.Handler{
		httpx.TrustedProxies(s.TrustedProxies, s.ProxyHeader),
		httpx.RequestID,
		httpx.AccessLog(s.Log),
		metrics.Middleware,
		httpx.Recover(s.Log),
		httpx.SecurityHeaders,
	}
	if s.RateLimit != nil {
		mw = append(mw, s.RateLimit.MiddlewareExcept(ServerToServer))
	}
	return httpx.Chain(mux, mw...)
}

// ServerToServer reports whether r is a relying party's server-to-server
// call: the session API, the eID check API, and the OpenID Connect token
// and userinfo endpoints. These are limited per authenticated relying
// party (relyingparty.Throttle), not per address.
func ServerToServer(r *http.Request) bool {
	switch p := r.URL.Path; {
	case isVerificationQR(p):
		return false
	case p == "/v1/verifications", strings.HasPrefix(p, "/v1/verifications/"),
		p == EIDVerifyPath, p == oidc.PathToken, p == oidc.PathUserinfo, p == RPStatsPath:
		return true
	}
	return false
}

// Mount registers every route on mux.
func (s *Server) Mount(mux *http.ServeMux) {
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := fn(w, r); err != nil {
				httpx.WriteError(w, r, s.Log, s.withHelp(r, problem(err)))
			}
		})
	}
	h("GET /healthz", s.healthz)
	h("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	h("GET /.well-known/jwks.json", s.jwks)
	h("GET /.well-known/jwks-rs256.json", s.jwksRS256)
	h("GET /.well-known/jwt-vc-issuer", s.issuerMetadata)
	h("GET /.well-known/netid-configuration", s.configuration)
	h("GET "+StatusPath+"{list}", s.statusList)
	h("GET "+api.HelpPath, s.help)

	h("POST /v1/applications", s.startApplication)
	h("GET /v1/applications/{id}", s.getApplication)
	h("PUT /v1/applications/{id}/document", s.submitDocument)
	h("PUT /v1/applications/{id}/relationship", s.submitRelationship)
	h("POST /v1/applications/{id}/face", s.submitFace)
	h("POST /v1/applications/{id}/phone", s.sendPhoneCode)
	h("POST /v1/applications/{id}/phone/verify", s.verifyPhone)
	h("PUT /v1/applications/{id}/password", s.setPassword)
	h("POST /v1/applications/{id}/credential", s.issue)
	h("POST /v1/applications/{id}/action", s.act)
	h("POST "+LivenessPath, s.relayLiveness)

	h("GET /v1/holder/credential", s.holderCredential)
	h("POST /v1/holder/password/verify", s.holderVerifyPassword)
	h("GET /v1/guardian/requests", s.guardianRequests)
	h("POST /v1/guardian/requests/{id}", s.guardianDecide)

	if s.Verification != nil {
		s.mountVerification(h)
	}
	if s.EID != nil {
		s.mountEID(h)
	}
	if s.Admin != nil {
		s.Admin.Mount(mux)
	}
	for _, m := range s.RPRoutes {
		m.Mount(mux)
	}
	if s.RPStats != nil && s.Clients != nil {
		h(RPStatsPath, s.rpStats)
	}
	if s.OIDC != nil {
		s.OIDC.Mount(mux)
	}
	if s.Lifecycle != nil {
		s.mountLifecycle(h)
	}
	s.mountCounter(mux, h)
	if s.Cases != nil {
		s.mountCases(h)
	}
	if s.Dev != nil {
		s.Dev.Mount(mux, h)
	}
	if s.Web != nil {
		s.Web.Mount(mux)
	}
	h("/", func(w http.ResponseWriter, r *http.Request) error { return httpx.NotFound() })
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	httpx.WriteJSON(w, http.StatusOK, api.Health{Status: api.HealthOK})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		s.Log.Error("readiness: database does not answer", "err", err)
		return httpx.New(typeNotReady, "the database does not answer")
	}
	httpx.WriteJSON(w, http.StatusOK, api.Health{Status: api.HealthReady})
	return nil
}

// contentTypeJWKS is a JWK set's media type (RFC 7517 §8.5.1).
const contentTypeJWKS = "application/jwk-set+json"

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpx.WriteJSONAs(w, http.StatusOK, contentTypeJWKS, jws.JWKS(s.Keys.JWKS(s.now())))
	return nil
}

// jwksRS256 is the JWKS reduced to its RS256 keys, for OpenID Connect
// clients that verify RS256 ID tokens with a JOSE library refusing a whole
// set that holds a key it cannot read (an SM2 key, on an sm platform).
func (s *Server) jwksRS256(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpx.WriteJSONAs(w, http.StatusOK, contentTypeJWKS, jws.KeysOf(s.Keys.JWKS(s.now()), jws.Algorithm(jose.RS256)))
	return nil
}

// issuerMetadata is the SD-JWT VC issuer metadata.
func (s *Server) issuerMetadata(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpx.WriteJSON(w, http.StatusOK, api.IssuerMetadata{Issuer: s.PublicURL, JWKS: jws.JWKS(s.Keys.JWKS(s.now()))})
	return nil
}

func (s *Server) configuration(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpx.WriteJSON(w, http.StatusOK, api.Configuration{
		Issuer:             s.PublicURL,
		JWKSURI:            s.PublicURL + "/.well-known/jwks.json",
		StatusListBase:     s.PublicURL + StatusPath,
		CredentialType:     credential.VCTWangzheng,
		DocumentTypes:      document.Types,
		ApplicationsURI:    s.PublicURL + "/v1/applications",
		DevelopmentMode:    s.Dev != nil,
		HolderProofHeader:  holder.Header,
		DeviceProofType:    credential.DeviceProofType,
		AgeMarkers:         []string{"age_over_14", "age_over_16", "age_over_18", "age_over_60"},
		DisclosableClaims:  []string{"age_over_14", "age_over_16", "age_over_18", "age_over_60", "name", "sex", "birthdate", "document_type", "document_number", "document_valid_until", "nationality"},
		SigningAlgorithms:  []string{string(s.Suite.Or(suite.ES256).SignatureAlgorithm())},
		StatusListEncoding: strconv.Itoa(status.Bits),
	})
	return nil
}

func (s *Server) statusList(w http.ResponseWriter, r *http.Request) error {
	token, ttl, err := s.Status.Token(r.Context(), r.PathValue("list"))
	if err != nil {
		return err
	}
	// Relying parties may cache the list for its ttl (also in the token);
	// after that a conditional request costs them no download when nothing
	// changed.
	sum := sha256.Sum256([]byte(token))
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(ttl/time.Second)))
	w.Header().Set("ETag", etag)
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Header().Set("Content-Type", "application/statuslist+jwt")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(token))
	return nil
}

// etagMatch reports whether an If-None-Match header names etag (RFC 9110
// 13.1.2: a list of entity tags, weak comparison, or "*").
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// bearer returns the application token from the Authorization header.
func bearer(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return ""
}

// requestURL is the absolute URL a holder proof must name: the public
// base, the path and, if there is one, the query as sent.
func (s *Server) requestURL(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return s.PublicURL + r.URL.Path
	}
	return s.PublicURL + r.URL.Path + "?" + r.URL.RawQuery
}

func (s *Server) authenticate(r *http.Request) (holder.Holder, error) {
	return s.Holders.Verify(r.Context(), r.Header.Get(holder.Header), r.Method, s.requestURL(r))
}
