package server

import (
	"fmt"
	"net/http"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/proofing"
	"github.com/netid-project/netid/internal/sms"
)

func (s *Server) startApplication(w http.ResponseWriter, r *http.Request) error {
	var req api.StartRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if req.Kind != "" && req.Kind != api.KindApply {
		if req.OnBehalf {
			return fmt.Errorf("%w: on_behalf is for applications of kind apply", proofing.ErrKind)
		}
		kind, ok := fromAPI(applicationKinds, req.Kind)
		if !ok {
			return proofing.ErrKind
		}
		started, err := s.Proofing.StartReproof(r.Context(), kind, req.Wanghao, req.DocumentType)
		if err != nil {
			return err
		}
		return s.created(w, started)
	}
	if req.Wanghao != "" {
		return fmt.Errorf("%w: wanghao is for re-proofing kinds", proofing.ErrKind)
	}
	guardianID := ""
	if req.OnBehalf {
		h, err := s.authenticate(r)
		if err != nil {
			return err
		}
		guardianID = h.Person.ID
	}
	started, err := s.Proofing.Start(r.Context(), req.DocumentType, guardianID)
	if err != nil {
		return err
	}
	return s.created(w, started)
}

func (s *Server) created(w http.ResponseWriter, started proofing.Started) error {
	w.Header().Set("Location", s.PublicURL+"/v1/applications/"+started.ID)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, startedApplication(started))
	return nil
}

func (s *Server) act(w http.ResponseWriter, r *http.Request) error {
	var req api.ActionRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	// An action no constant maps to goes to proofing as it came, which
	// refuses it after checking the token and the state.
	action, ok := fromAPI(recoverActions, req.Action)
	if !ok {
		action = string(req.Action)
	}
	v, err := s.Proofing.Act(r.Context(), r.PathValue("id"), bearer(r), action, req.Password, clientAddr(r))
	return replyApplication(w, v, err)
}

func (s *Server) getApplication(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Proofing.Get(r.Context(), r.PathValue("id"), bearer(r))
	return replyApplication(w, v, err)
}

func (s *Server) submitDocument(w http.ResponseWriter, r *http.Request) error {
	var req api.DocumentRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	v, err := s.Proofing.SubmitDocument(r.Context(), r.PathValue("id"), bearer(r), req.Chip)
	return replyApplication(w, v, err)
}

func (s *Server) submitRelationship(w http.ResponseWriter, r *http.Request) error {
	var req api.RelationshipRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	v, err := s.Proofing.SubmitRelationship(r.Context(), r.PathValue("id"), bearer(r), req.Guardian, req.Evidence)
	return replyApplication(w, v, err)
}

func (s *Server) submitFace(w http.ResponseWriter, r *http.Request) error {
	var req api.FaceRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	v, err := s.Proofing.SubmitFace(r.Context(), r.PathValue("id"), bearer(r), req.Attestation)
	return replyApplication(w, v, err)
}

func (s *Server) sendPhoneCode(w http.ResponseWriter, r *http.Request) error {
	var req api.PhoneRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if !s.SMSEnabled {
		return ErrSMSUnavailable
	}
	phone, err := sms.NormalizePhone(req.Phone)
	if err != nil {
		return err
	}
	if err := s.Proofing.SendPhoneCode(r.Context(), r.PathValue("id"), bearer(r), phone); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Server) verifyPhone(w http.ResponseWriter, r *http.Request) error {
	var req api.CodeRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	v, err := s.Proofing.VerifyPhone(r.Context(), r.PathValue("id"), bearer(r), req.Code)
	return replyApplication(w, v, err)
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) error {
	var req api.PasswordRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	v, err := s.Proofing.SetPassword(r.Context(), r.PathValue("id"), bearer(r), req.Password, clientAddr(r))
	return replyApplication(w, v, err)
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request) error {
	var req api.CredentialRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	issued, err := s.Proofing.Issue(r.Context(), r.PathValue("id"), bearer(r), req.Proof, req.Batch)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, issuedCredential(issued))
	return nil
}

// clientAddr is the client address that re-proofing password tries are
// counted against (IPv6 by its /64).
func clientAddr(r *http.Request) string { return httpx.ClientIP(r) }

func replyApplication(w http.ResponseWriter, v proofing.View, err error) error {
	if err != nil {
		return err
	}
	return reply(w, application(v), nil)
}

func reply(w http.ResponseWriter, v any, err error) error {
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) holderCredential(w http.ResponseWriter, r *http.Request) error {
	h, err := s.authenticate(r)
	if err != nil {
		return err
	}
	return reply(w, api.CredentialInfo{
		CredentialID: h.Credential.ID,
		Wanghao:      h.Person.Wanghao,
		Status:       toAPI(credentialStatuses, h.Credential.Status),
		IssuedAt:     h.Credential.IssuedAt.Format(timeFormat),
		ExpiresAt:    h.Credential.ExpiresAt.Format(timeFormat),
	}, nil)
}

const timeFormat = "2006-01-02T15:04:05Z07:00"

func (s *Server) holderVerifyPassword(w http.ResponseWriter, r *http.Request) error {
	h, err := s.authenticate(r)
	if err != nil {
		return err
	}
	var req api.PasswordRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if err := s.Passwords.Verify(r.Context(), h.Person.ID, req.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) guardianRequests(w http.ResponseWriter, r *http.Request) error {
	h, err := s.authenticate(r)
	if err != nil {
		return err
	}
	reqs, err := s.Proofing.GuardianRequests(r.Context(), h.Person.ID)
	if err != nil {
		return err
	}
	return reply(w, guardianRequests(reqs), nil)
}

func (s *Server) guardianDecide(w http.ResponseWriter, r *http.Request) error {
	h, err := s.authenticate(r)
	if err != nil {
		return err
	}
	var req api.DecisionRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if !req.Decision.Valid() {
		return errInvalidDecision()
	}
	err = s.Proofing.DecideGuardianRequest(r.Context(), h.Person.ID, r.PathValue("id"), req.Decision == api.DecisionApprove, req.Password)
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// errInvalidDecision answers a decision that is neither approve nor
// decline.
func errInvalidDecision() error {
	return httpx.New(typeInvalidDecision, `decision must be "approve" or "decline"`)
}
