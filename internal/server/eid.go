package server

import (
	"errors"
	"net/http"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/relyingparty"
)

// EIDVerifyPath is the in-person verifiers' API. Their web page,
// /verify/eid, is the web wallet's (package webwallet): it calls this API
// as an enrolled terminal (verifier.go).
const EIDVerifyPath = "/v1/eid/verify"

// mountEID registers the in-person verification of the electronic ID
// card and, with Verifiers, the verifier terminals' routes.
func (s *Server) mountEID(h func(string, func(http.ResponseWriter, *http.Request) error)) {
	h("POST "+EIDVerifyPath, s.eidVerify)
	s.mountFullData(h)
	if s.Verifiers != nil {
		s.mountVerifier(h)
	}
}

// eidProblems maps the in-person check's errors to problem types.
var eidProblems = []mapping{
	{eidverify.ErrMalformed, httpx.NewType(http.StatusBadRequest, "eid-malformed")},
	{eidverify.ErrSignature, httpx.NewType(http.StatusUnprocessableEntity, "eid-signature-invalid")},
	{eidverify.ErrWindow, httpx.NewType(http.StatusUnprocessableEntity, "eid-expired")},
	{eidverify.ErrReplay, httpx.NewType(http.StatusConflict, "eid-replayed")},
	{eidverify.ErrSuspended, httpx.NewType(http.StatusForbidden, "eid-credential-suspended")},
	{eidverify.ErrRevoked, httpx.NewType(http.StatusForbidden, "eid-credential-revoked")},
	{eidverify.ErrExpired, httpx.NewType(http.StatusForbidden, "eid-credential-expired")},
	{eidverify.ErrCancelled, httpx.NewType(http.StatusForbidden, "eid-identity-cancelled")},
	{eidverify.ErrGuardianConsent, httpx.NewType(http.StatusForbidden, "eid-guardian-consent-required")},
	{relyingparty.ErrNotInPerson, httpx.NewType(http.StatusForbidden, "eid-not-in-person")},
	{eidverify.ErrImage, httpx.NewType(http.StatusUnprocessableEntity, "eid-qr-unreadable")},
}

// eidProblem maps err to a problem document; other errors go on to the
// server's general mapping.
func eidProblem(err error) error {
	for _, m := range eidProblems {
		if errors.Is(err, m.err) {
			return httpx.New(m.typ, err.Error())
		}
	}
	return err
}

func (s *Server) eidVerify(w http.ResponseWriter, r *http.Request) error {
	rp, deviceID, err := s.eidCaller(w, r)
	if err != nil {
		return err
	}
	var req api.EIDVerifyRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	res, err := s.EID.VerifyWith(r.Context(), rp, req.Payload, eidverify.CheckOptions{FullData: req.FullData, DeviceID: deviceID})
	if err != nil {
		return eidProblem(err)
	}
	return reply(w, eidResult(res), nil)
}
