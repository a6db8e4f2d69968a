package server

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"github.com/netid-project/netid/internal/deeplink"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/qr"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
)

// mountVerification registers the verification routes: the relying
// parties' session API, the wallet's side of it, guardians' consents, the
// holder's history and the audit head.
func (s *Server) mountVerification(h func(string, func(http.ResponseWriter, *http.Request) error)) {
	h("POST /v1/verifications", s.createVerification)
	h("GET /v1/verifications/{id}", s.getVerification)
	h("DELETE /v1/verifications/{id}", s.cancelVerification)

	h("POST /v1/wallet/verifications/open", s.openVerification)
	h("POST /v1/wallet/verifications/answer", s.answerVerification)
	h("GET /v1/wallet/history", s.history)
	h("POST /v1/wallet/presentations", s.recordPresentation)

	h("GET /v1/guardian/consents", s.guardianConsents)
	h("POST /v1/guardian/consents/{id}", s.guardianConsent)
	h("GET /v1/guardian/wards/{id}/history", s.wardHistory)

	h("GET /v1/audit/head", s.auditHead)
	h("GET "+deeplink.UniversalPathPrefix+"{action}", s.walletLanding)
}

// VerificationRequest is a relying party's request (the session API).
type VerificationRequest struct {
	Level       string   `json:"level,omitempty"`
	Claims      []string `json:"claims,omitempty"`
	Purpose     string   `json:"purpose"`
	CallbackURL string   `json:"callback_url,omitempty"`
	Nonce       string   `json:"nonce,omitempty"`
	Subject     string   `json:"subject,omitempty"`
}

// VerificationCreated answers a new session: the code as a netid:// link,
// its https form, and a QR code of the link.
type VerificationCreated struct {
	ID        string    `json:"id"`
	State     string    `json:"state"`
	Code      string    `json:"code"`
	Link      string    `json:"link"`
	HTTPSLink string    `json:"https_link"`
	QR        string    `json:"qr"`
	ExpiresAt time.Time `json:"expires_at"`
}

// VerificationStatus is what a relying party polls.
type VerificationStatus struct {
	ID           string    `json:"id"`
	State        string    `json:"state"`
	Level        string    `json:"level"`
	LevelReached string    `json:"level_reached,omitempty"`
	Provided     []string  `json:"provided,omitempty"`
	Result       string    `json:"result,omitempty"`
	Error        string    `json:"error,omitempty"`
	ExpiresAt    time.Time `json:"expires_at"`
}

func (s *Server) createVerification(w http.ResponseWriter, r *http.Request) error {
	rp, err := s.Clients.Authenticate(r, false)
	if err != nil {
		return err
	}
	var req VerificationRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	level, err := verification.ParseLevel(req.Level)
	if err != nil {
		return err
	}
	c, err := s.Verification.CreateSession(r.Context(), rp, verification.Request{
		Level: level, Claims: req.Claims, Purpose: req.Purpose, CallbackURL: req.CallbackURL, Nonce: req.Nonce, Subject: req.Subject,
	})
	if err != nil {
		return err
	}
	link := c.Link.String()
	img, err := qr.DataURI(link, 4)
	if err != nil {
		return err
	}
	w.Header().Set("Location", s.PublicURL+"/v1/verifications/"+c.Session.ID)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, VerificationCreated{
		ID: c.Session.ID, State: string(c.Session.State), Code: c.Code, Link: link, HTTPSLink: c.Link.HTTPS(), QR: img, ExpiresAt: c.Session.ExpiresAt,
	})
	return nil
}

func (s *Server) status(sess storage.Session) (VerificationStatus, error) {
	result, err := s.Verification.ResultJWT(sess)
	if err != nil {
		return VerificationStatus{}, err
	}
	return VerificationStatus{
		ID: sess.ID, State: string(sess.State), Level: sess.Level, LevelReached: sess.LevelReached,
		Provided: sess.Provided, Result: result, Error: sess.Error, ExpiresAt: sess.ExpiresAt,
	}, nil
}

func (s *Server) getVerification(w http.ResponseWriter, r *http.Request) error {
	rp, err := s.Clients.Authenticate(r, false)
	if err != nil {
		return err
	}
	sess, err := s.Verification.Get(r.Context(), rp.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	st, err := s.status(sess)
	return reply(w, st, err)
}

func (s *Server) cancelVerification(w http.ResponseWriter, r *http.Request) error {
	rp, err := s.Clients.Authenticate(r, false)
	if err != nil {
		return err
	}
	sess, err := s.Verification.Cancel(r.Context(), rp.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	st, err := s.status(sess)
	return reply(w, st, err)
}

// CodeRequest names a session by its code (wallet side).
type SessionCodeRequest struct {
	Code string `json:"code"`
}

func (s *Server) holderOf(r *http.Request) (verification.Holder, error) {
	h, err := s.authenticate(r)
	if err != nil {
		return verification.Holder{}, err
	}
	return verification.Holder{CredentialID: h.Credential.ID, Person: h.Person}, nil
}

func (s *Server) openVerification(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
	if err != nil {
		return err
	}
	var req SessionCodeRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	p, err := s.Verification.Open(r.Context(), h, req.Code)
	return reply(w, p, err)
}

// AnswerRequest is the holder's decision.
type AnswerRequest struct {
	Code            string `json:"code"`
	Decision        string `json:"decision"` // approve | decline
	Password        string `json:"password,omitempty"`
	FaceAttestation string `json:"face_attestation,omitempty"`
	// PlaintextConsent is the separate consent to the plaintext fields.
	PlaintextConsent bool `json:"plaintext_consent,omitempty"`
}

// AnswerResult tells the wallet how the session ended (or that it waits
// for the guardian).
type AnswerResult struct {
	State    string   `json:"state"`
	Level    string   `json:"level_reached,omitempty"`
	Provided []string `json:"provided,omitempty"`
}

func (s *Server) answerVerification(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
	if err != nil {
		return err
	}
	var req AnswerRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if req.Decision != "approve" && req.Decision != "decline" {
		return httpx.New(http.StatusBadRequest, "invalid-decision", "Invalid decision", `decision must be "approve" or "decline"`)
	}
	sess, err := s.Verification.Answer(r.Context(), h, req.Code, verification.Answer{
		Approve: req.Decision == "approve", Password: req.Password, FaceAttestation: req.FaceAttestation, Plaintext: req.PlaintextConsent,
	})
	if err != nil {
		return err
	}
	return reply(w, AnswerResult{State: string(sess.State), Level: sess.LevelReached, Provided: sess.Provided}, nil)
}

// RecordView is a verification record as the holder sees it.
type RecordView struct {
	Seq          int64     `json:"seq"`
	Time         time.Time `json:"time"`
	RelyingParty string    `json:"relying_party"`
	RPID         string    `json:"rp_id,omitempty"`
	Channel      string    `json:"channel"`
	Level        string    `json:"level"`
	Provided     []string  `json:"provided"`
	Outcome      string    `json:"outcome"`
	Guardian     bool      `json:"guardian_consent,omitempty"`
}

func recordViews(rs []storage.Record) []RecordView {
	out := make([]RecordView, 0, len(rs))
	for _, r := range rs {
		out = append(out, RecordView{Seq: r.Seq, Time: r.Time, RelyingParty: r.RPName, RPID: r.RPID, Channel: r.Channel, Level: r.Level, Provided: r.Provided, Outcome: r.Outcome, Guardian: r.GuardianID != ""})
	}
	return out
}

func paging(r *http.Request) (before int64, limit int, err error) {
	q := r.URL.Query()
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 0 {
			return 0, 0, httpx.New(http.StatusBadRequest, "invalid-paging", "Invalid paging", "before must be a record sequence number")
		}
	}
	limit = 50
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return 0, 0, httpx.New(http.StatusBadRequest, "invalid-paging", "Invalid paging", "limit must be 1 to 500")
		}
	}
	return before, limit, nil
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
	if err != nil {
		return err
	}
	before, limit, err := paging(r)
	if err != nil {
		return err
	}
	rs, err := s.Verification.History(r.Context(), h.Person.ID, before, limit)
	if err != nil {
		return err
	}
	return reply(w, map[string]any{"records": recordViews(rs)}, nil)
}

// PresentationReport is the wallet reporting an offline presentation.
type PresentationReport struct {
	Audience  string   `json:"audience"`
	Disclosed []string `json:"disclosed"`
}

func (s *Server) recordPresentation(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
	if err != nil {
		return err
	}
	var req PresentationReport
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	rec, err := s.Verification.RecordPresentation(r.Context(), h, req.Audience, req.Disclosed)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, recordViews([]storage.Record{rec})[0])
	return nil
}

func (s *Server) guardianConsents(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
	if err != nil {
		return err
	}
	reqs, err := s.Verification.GuardianRequests(r.Context(), h.Person.ID)
	return reply(w, map[string]any{"requests": reqs}, err)
}

func (s *Server) guardianConsent(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
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
	sess, err := s.Verification.GuardianDecide(r.Context(), h.Person.ID, r.PathValue("id"), req.Decision == "approve", req.Password)
	if err != nil {
		return err
	}
	return reply(w, AnswerResult{State: string(sess.State), Level: sess.LevelReached, Provided: sess.Provided}, nil)
}

func (s *Server) wardHistory(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
	if err != nil {
		return err
	}
	before, limit, err := paging(r)
	if err != nil {
		return err
	}
	rs, err := s.Verification.WardHistory(r.Context(), h.Person.ID, r.PathValue("id"), before, limit)
	if err != nil {
		return err
	}
	return reply(w, map[string]any{"records": recordViews(rs)}, nil)
}

func (s *Server) auditHead(w http.ResponseWriter, r *http.Request) error {
	heads, err := s.Heads.ListHeads(r.Context())
	if err != nil {
		return err
	}
	if len(heads) == 0 {
		return httpx.New(http.StatusNotFound, "no-audit-head", "No signed head yet", "the record log has no signed head yet")
	}
	last := heads[len(heads)-1]
	w.Header().Set("Cache-Control", "public, max-age=60")
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"seq": last.Seq, "hash": b64(last.Hash), "time": last.Time, "signature": last.Signature})
	return nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
