package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verifierdevice"
)

// In-person verifiers' terminals (package verifierdevice): enrolment with
// a one-time code, the terminal's own view, and their management by the
// relying party (client authentication) and the operator (admin token).
// The routes are listed in package api (verifier.go).

// Paths of the terminals' routes.
const (
	VerifierEnrolPath   = "/v1/eid/devices/enrol"
	VerifierDevicePath  = "/v1/eid/device"
	VerifierDevicesPath = "/v1/eid/devices"
	VerifierAdminPath   = "/v1/admin/verifier-devices"
)

var verifierProblems = []mapping{
	{verifierdevice.ErrUnauthenticated, httpx.NewType(http.StatusUnauthorized, "verifier-device-unauthenticated")},
	{verifierdevice.ErrRevoked, httpx.NewType(http.StatusForbidden, "verifier-device-revoked")},
	{verifierdevice.ErrCode, httpx.NewType(http.StatusBadRequest, "verifier-enrol-code-invalid")},
	{verifierdevice.ErrInvalid, httpx.NewType(http.StatusUnprocessableEntity, "verifier-device-invalid")},
	{verifierdevice.ErrNotFound, httpx.NewType(http.StatusNotFound, "verifier-device-not-found")},
	{relyingparty.ErrNotFound, httpx.NewType(http.StatusNotFound, "rp-not-found")},
}

func init() {
	// After the eID's own (eidProblems): a revoked device outranks the
	// relying-party error it wraps.
	eidProblems = append(verifierProblems, eidProblems...)
}

// mountVerifier registers the terminals' routes.
func (s *Server) mountVerifier(h func(string, func(http.ResponseWriter, *http.Request) error)) {
	h("POST "+VerifierEnrolPath, s.verifierEnrol)
	h("GET "+VerifierDevicePath, s.verifierSelf)
	h("POST "+VerifierDevicesPath, s.rpAddDevice)
	h("GET "+VerifierDevicesPath, s.rpListDevices)
	h("POST "+VerifierDevicesPath+"/{id}/revoke", s.rpRevokeDevice)
	h("POST "+VerifierAdminPath, s.adminAddDevice)
	h("GET "+VerifierAdminPath, s.adminListDevices)
	h("POST "+VerifierAdminPath+"/{id}/revoke", s.adminRevokeDevice)
}

// eidCaller authenticates an in-person verifier: a terminal by its
// request proof (the body read here, for its hash, and left for the
// handler to decode), otherwise a relying party by client authentication.
// deviceID is "" for a relying party's own call.
func (s *Server) eidCaller(w http.ResponseWriter, r *http.Request) (rp storage.RelyingParty, deviceID string, err error) {
	proof := r.Header.Get(verifierdevice.Header)
	if proof == "" || s.Verifiers == nil || s.Clients == nil {
		rp, err := s.Clients.Authenticate(r, false)
		return rp, "", err
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		max := s.MaxBody
		if max <= 0 {
			max = httpx.DefaultMaxBodyBytes
		}
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return rp, "", httpx.BodyTooLarge(max)
		}
		if err != nil {
			return rp, "", httpx.MalformedJSON()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	// The relying parties' limits hold for their terminals too: failed
	// proofs per address, checks per relying party.
	if err := s.Clients.Throttle.Before(r); err != nil {
		return rp, "", err
	}
	a, err := s.Verifiers.Authenticate(r.Context(), proof, r.Method, s.requestURL(r), body)
	if errors.Is(err, verifierdevice.ErrUnauthenticated) {
		s.Clients.Throttle.Failed(r)
	}
	if err != nil {
		return rp, "", eidProblem(err)
	}
	if err := s.Clients.Throttle.Client(a.RelyingParty.ID); err != nil {
		return rp, "", err
	}
	return a.RelyingParty, a.Device.ID, nil
}

func (s *Server) verifierEnrol(w http.ResponseWriter, r *http.Request) error {
	var req api.VerifierEnrolRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	d, err := s.Verifiers.Enrol(r.Context(), req.Proof)
	if err != nil {
		return eidProblem(err)
	}
	rp, err := s.Clients.Store.GetRelyingParty(r.Context(), d.RPID)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, verifierSession(d, rp))
	return nil
}

func (s *Server) verifierSelf(w http.ResponseWriter, r *http.Request) error {
	if r.Header.Get(verifierdevice.Header) == "" {
		return eidProblem(verifierdevice.ErrUnauthenticated)
	}
	a, err := s.Verifiers.Authenticate(r.Context(), r.Header.Get(verifierdevice.Header), r.Method, s.requestURL(r), nil)
	if err != nil {
		return eidProblem(err)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, verifierSession(a.Device, a.RelyingParty))
	return nil
}

// verifierSession is a terminal's view of itself.
func verifierSession(d storage.VerifierDevice, rp storage.RelyingParty) api.VerifierSession {
	kind, fields, _ := eidverify.Policy(rp)
	return api.VerifierSession{
		Device: verifierDevice(d), RPName: rp.Name, Kind: toAPI(inPersonKinds, kind),
		Fields: toAPIList(eidFields, fields), FullData: eidverify.FullDataAllowed(rp),
	}
}

func verifierDevice(d storage.VerifierDevice) api.VerifierDevice {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return api.VerifierDevice{
		ID: d.ID, RPID: d.RPID, Name: d.Name, State: api.VerifierDeviceState(d.State), CreatedAt: d.CreatedAt,
		EnrolledAt: opt(d.EnrolledAt), RevokedAt: opt(d.RevokedAt), RevokedBy: d.RevokedBy, Reason: d.Reason,
	}
}

func (s *Server) addDevice(w http.ResponseWriter, r *http.Request, rpID, name string) error {
	a, err := s.Verifiers.Add(r.Context(), rpID, name)
	if err != nil {
		return eidProblem(err)
	}
	s.Log.InfoContext(r.Context(), "verifier device added", "request_id", httpx.RequestIDFrom(r.Context()), "rp", rpID, "device", a.Device.ID)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, api.VerifierDeviceAdded{Device: verifierDevice(a.Device), Code: a.Code, CodeExpiresAt: a.Device.CodeExpiresAt})
	return nil
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request, rpID string) error {
	list, err := s.Verifiers.List(r.Context(), rpID)
	if err != nil {
		return err
	}
	out := api.VerifierDeviceList{Devices: []api.VerifierDevice{}}
	for _, d := range list {
		out.Devices = append(out.Devices, verifierDevice(d))
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) revokeDevice(w http.ResponseWriter, r *http.Request, rpID, by string) error {
	var req api.ReasonRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	d, err := s.Verifiers.Revoke(r.Context(), r.PathValue("id"), rpID, by, req.Reason)
	if err != nil {
		return eidProblem(err)
	}
	s.Log.InfoContext(r.Context(), "verifier device revoked", "request_id", httpx.RequestIDFrom(r.Context()), "rp", d.RPID, "device", d.ID, "by", by)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, verifierDevice(d))
	return nil
}

// inPersonClient authenticates a relying party that checks in person.
func (s *Server) inPersonClient(r *http.Request) (storage.RelyingParty, error) {
	rp, err := s.Clients.Authenticate(r, false)
	if err != nil {
		return rp, err
	}
	if _, err := relyingparty.InPersonKindOf(rp); err != nil {
		return rp, eidProblem(err)
	}
	return rp, nil
}

func (s *Server) rpAddDevice(w http.ResponseWriter, r *http.Request) error {
	rp, err := s.inPersonClient(r)
	if err != nil {
		return err
	}
	var req api.VerifierDeviceAddRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if req.RPID != "" && req.RPID != rp.ID {
		return eidProblem(verifierdevice.ErrInvalid)
	}
	return s.addDevice(w, r, rp.ID, req.Name)
}

func (s *Server) rpListDevices(w http.ResponseWriter, r *http.Request) error {
	rp, err := s.inPersonClient(r)
	if err != nil {
		return err
	}
	return s.listDevices(w, r, rp.ID)
}

func (s *Server) rpRevokeDevice(w http.ResponseWriter, r *http.Request) error {
	rp, err := s.inPersonClient(r)
	if err != nil {
		return err
	}
	return s.revokeDevice(w, r, rp.ID, verifierdevice.ByRelyingParty)
}

func (s *Server) adminAddDevice(w http.ResponseWriter, r *http.Request) error {
	if err := s.adminAuthorized(w, r); err != nil {
		return err
	}
	var req api.VerifierDeviceAddRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	return s.addDevice(w, r, req.RPID, req.Name)
}

func (s *Server) adminListDevices(w http.ResponseWriter, r *http.Request) error {
	if err := s.adminAuthorized(w, r); err != nil {
		return err
	}
	return s.listDevices(w, r, r.URL.Query().Get("rp_id"))
}

func (s *Server) adminRevokeDevice(w http.ResponseWriter, r *http.Request) error {
	if err := s.adminAuthorized(w, r); err != nil {
		return err
	}
	return s.revokeDevice(w, r, "", verifierdevice.ByOperator)
}
