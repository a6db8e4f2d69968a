package server

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/proofing"
	"github.com/netid-project/netid/internal/sms"
	"github.com/netid-project/netid/internal/storage"
)

// StartRequest starts an application.
type StartRequest struct {
	DocumentType document.Type `json:"document_type"`
	// OnBehalf is set by a guardian applying for a child under 14; the
	// request must then carry the guardian's holder proof.
	OnBehalf bool `json:"on_behalf,omitempty"`
	// Kind is what the application is for: "apply" (the default) or a
	// re-proofing kind: "device", "password" and "phone" name the holder
	// by Wanghao; "recover" by the document (DocumentType, then the chip).
	Kind    storage.ApplicationKind `json:"kind,omitempty"`
	Wanghao string                  `json:"wanghao,omitempty"`
}

func (s *Server) startApplication(w http.ResponseWriter, r *http.Request) error {
	var req StartRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if req.Kind != "" && req.Kind != storage.KindApply {
		if req.OnBehalf {
			return fmt.Errorf("%w: on_behalf is for applications of kind apply", proofing.ErrKind)
		}
		started, err := s.Proofing.StartReproof(r.Context(), req.Kind, req.Wanghao, req.DocumentType)
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
	httpx.WriteJSON(w, http.StatusCreated, started)
	return nil
}

// ActionRequest is the holder's choice in a recover application: suspend,
// resume or reissue (the last two with the credential password).
type ActionRequest struct {
	Action   string `json:"action"`
	Password string `json:"password,omitempty"`
}

func (s *Server) act(w http.ResponseWriter, r *http.Request) error {
	var req ActionRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	v, err := s.Proofing.Act(r.Context(), r.PathValue("id"), bearer(r), req.Action, req.Password)
	return reply(w, v, err)
}

func (s *Server) getApplication(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Proofing.Get(r.Context(), r.PathValue("id"), bearer(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

// DocumentRequest carries the document's chip data (the chip container:
// dg1, dg2, sod).
type DocumentRequest struct {
	Chip json.RawMessage `json:"chip"`
}

func (s *Server) submitDocument(w http.ResponseWriter, r *http.Request) error {
	var req DocumentRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	v, err := s.Proofing.SubmitDocument(r.Context(), r.PathValue("id"), bearer(r), req.Chip)
	return reply(w, v, err)
}

// RelationshipRequest carries guardian relationship evidence.
type RelationshipRequest struct {
	Guardian string `json:"guardian,omitempty"`
	Evidence string `json:"evidence"`
}

func (s *Server) submitRelationship(w http.ResponseWriter, r *http.Request) error {
	var req RelationshipRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	v, err := s.Proofing.SubmitRelationship(r.Context(), r.PathValue("id"), bearer(r), req.Guardian, req.Evidence)
	return reply(w, v, err)
}

// FaceRequest carries a liveness attestation.
type FaceRequest struct {
	Attestation string `json:"attestation"`
}

func (s *Server) submitFace(w http.ResponseWriter, r *http.Request) error {
	var req FaceRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	v, err := s.Proofing.SubmitFace(r.Context(), r.PathValue("id"), bearer(r), req.Attestation)
	return reply(w, v, err)
}

// PhoneRequest names the phone number to bind.
type PhoneRequest struct {
	Phone string `json:"phone"`
}

func (s *Server) sendPhoneCode(w http.ResponseWriter, r *http.Request) error {
	var req PhoneRequest
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

// CodeRequest carries the SMS code.
type CodeRequest struct {
	Code string `json:"code"`
}

func (s *Server) verifyPhone(w http.ResponseWriter, r *http.Request) error {
	var req CodeRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	v, err := s.Proofing.VerifyPhone(r.Context(), r.PathValue("id"), bearer(r), req.Code)
	return reply(w, v, err)
}

// PasswordRequest carries the credential password.
type PasswordRequest struct {
	Password string `json:"password"`
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) error {
	var req PasswordRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	v, err := s.Proofing.SetPassword(r.Context(), r.PathValue("id"), bearer(r), req.Password)
	return reply(w, v, err)
}

// CredentialRequest carries the device key's proof of possession.
type CredentialRequest struct {
	Proof string `json:"proof"`
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request) error {
	var req CredentialRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	issued, err := s.Proofing.Issue(r.Context(), r.PathValue("id"), bearer(r), req.Proof)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, issued)
	return nil
}

func reply(w http.ResponseWriter, v any, err error) error {
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

// CredentialInfo is what a holder sees of their own credential.
type CredentialInfo struct {
	CredentialID string `json:"credential_id"`
	Wanghao      string `json:"wanghao"`
	Status       string `json:"status"`
	IssuedAt     string `json:"issued_at"`
	ExpiresAt    string `json:"expires_at"`
}

func (s *Server) holderCredential(w http.ResponseWriter, r *http.Request) error {
	h, err := s.authenticate(r)
	if err != nil {
		return err
	}
	return reply(w, CredentialInfo{
		CredentialID: h.Credential.ID,
		Wanghao:      h.Person.Wanghao,
		Status:       string(h.Credential.Status),
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
	var req PasswordRequest
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
	return reply(w, map[string]any{"requests": reqs}, err)
}

// DecisionRequest is a guardian's decision, confirmed with their password.
type DecisionRequest struct {
	Decision string `json:"decision"` // approve | decline
	Password string `json:"password"`
}

func (s *Server) guardianDecide(w http.ResponseWriter, r *http.Request) error {
	h, err := s.authenticate(r)
	if err != nil {
		return err
	}
	var req DecisionRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if req.Decision != "approve" && req.Decision != "decline" {
		return httpx.New(http.StatusBadRequest, "invalid-decision", "Invalid decision", `decision must be "approve" or "decline"`)
	}
	err = s.Proofing.DecideGuardianRequest(r.Context(), h.Person.ID, r.PathValue("id"), req.Decision == "approve", req.Password)
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
