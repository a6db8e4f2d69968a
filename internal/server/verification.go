package server

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/httpx"
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
	h("GET /v1/verifications/{id}/qr", s.verificationQR)

	h("POST /v1/wallet/verifications/open", s.openVerification)
	h("POST /v1/wallet/verifications/answer", s.answerVerification)
	h("GET /v1/wallet/history", s.history)
	h("POST /v1/wallet/presentations", s.recordPresentation)
	h("GET /v1/wallet/guardian-consents", s.consentStatements)

	h("GET /v1/guardian/consents", s.guardianConsents)
	h("POST /v1/guardian/consents/{id}", s.guardianConsent)
	h("GET /v1/guardian/wards/{id}/history", s.wardHistory)
	h("POST /v1/guardian/wards/{id}/consents", s.wardConsent)

	h("GET /v1/audit/head", s.auditHead)
	h("GET /v1/audit/tree-head", s.auditTreeHead)
	h("GET /v1/audit/consistency", s.auditConsistency)
}

func (s *Server) createVerification(w http.ResponseWriter, r *http.Request) error {
	rp, err := s.Clients.Authenticate(r, false)
	if err != nil {
		return err
	}
	var req api.VerificationRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	l, ok := api.ParseLevel(req.Level)
	level, known := fromAPI(levels, l)
	if !ok || !known {
		return fmt.Errorf("%w: unknown assurance level %q (want possession, password or face)", verification.ErrInvalidRequest, req.Level)
	}
	c, err := s.Verification.CreateSession(r.Context(), rp, verification.Request{
		Level: level, Claims: req.Claims, Purpose: req.Purpose, CallbackURL: req.CallbackURL, Nonce: req.Nonce, Subject: req.Subject,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", s.PublicURL+"/v1/verifications/"+c.Session.ID)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, verificationCreated(c, s.verificationQRURL(c)))
	return nil
}

func (s *Server) status(sess storage.Session) (api.VerificationStatus, error) {
	result, err := s.Verification.ResultJWT(sess)
	if err != nil {
		return api.VerificationStatus{}, err
	}
	return verificationStatus(sess, result), nil
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

func (s *Server) holderOf(r *http.Request) (verification.Holder, error) {
	h, err := s.authenticate(r)
	if err != nil {
		return verification.Holder{}, err
	}
	return verification.Holder{CredentialID: h.Credential.ID, Person: h.Person}, nil
}

// spendProof records h's proof as used by a request refused before its
// step ran (the proof does not cover the body, so a proof of a refused
// request must not serve another), and returns err.
func (s *Server) spendProof(r *http.Request, h verification.Holder, err error) error {
	if h.Proof != nil {
		_ = h.Proof.Use(r.Context(), s.Holders.Store)
	}
	return err
}

// holderStep authenticates a holder whose proof the verification step
// records in its own transaction (verification.Holder.Proof).
func (s *Server) holderStep(r *http.Request) (verification.Holder, error) {
	h, p, err := s.Holders.VerifyDeferred(r.Context(), r.Header.Get(holder.Header), r.Method, s.requestURL(r))
	if err != nil {
		return verification.Holder{}, err
	}
	return verification.Holder{CredentialID: h.Credential.ID, Person: h.Person, Proof: &p}, nil
}

func (s *Server) openVerification(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderStep(r)
	if err != nil {
		return err
	}
	var req api.SessionCodeRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return s.spendProof(r, h, err)
	}
	p, err := s.Verification.Open(r.Context(), h, req.Code)
	if err != nil {
		return err
	}
	return reply(w, prompt(p), nil)
}

func (s *Server) answerVerification(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderStep(r)
	if err != nil {
		return err
	}
	var req api.AnswerRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return s.spendProof(r, h, err)
	}
	if !req.Decision.Valid() {
		return s.spendProof(r, h, errInvalidDecision())
	}
	sess, err := s.Verification.Answer(r.Context(), h, req.Code, verification.Answer{
		Approve: req.Decision == api.DecisionApprove, Password: req.Password, FaceAttestation: req.FaceAttestation, Plaintext: req.PlaintextConsent,
	})
	if err != nil {
		return err
	}
	return reply(w, answerResult(sess), nil)
}

func paging(r *http.Request) (before int64, limit int, err error) {
	q := r.URL.Query()
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 0 {
			return 0, 0, httpx.New(typeInvalidPaging, "before must be a record sequence number")
		}
	}
	limit = 50
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return 0, 0, httpx.New(typeInvalidPaging, "limit must be 1 to 500")
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
	out, err := s.provenHistory(r.Context(), rs)
	if err != nil {
		return err
	}
	if err := s.markDisputes(r.Context(), h.Person.ID, &out); err != nil {
		return err
	}
	return reply(w, out, nil)
}

func (s *Server) recordPresentation(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
	if err != nil {
		return err
	}
	var req api.PresentationReport
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	rec, err := s.Verification.ReportPresentation(r.Context(), h, req.Audience, req.Disclosed)
	if err != nil {
		return err
	}
	out, err := s.provenHistory(r.Context(), []storage.Record{rec})
	if err != nil {
		return err
	}
	one := out.Records[0]
	one.TreeHead = out.TreeHead
	httpx.WriteJSON(w, http.StatusCreated, one)
	return nil
}

func (s *Server) guardianConsents(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
	if err != nil {
		return err
	}
	reqs, err := s.Verification.GuardianRequests(r.Context(), h.Person.ID)
	if err != nil {
		return err
	}
	return reply(w, consentRequests(reqs), nil)
}

func (s *Server) guardianConsent(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
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
	sess, err := s.Verification.GuardianDecide(r.Context(), h.Person.ID, r.PathValue("id"), req.Decision == api.DecisionApprove, req.Password)
	if err != nil {
		return err
	}
	return reply(w, answerResult(sess), nil)
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
	out, err := s.provenHistory(r.Context(), rs)
	if err != nil {
		return err
	}
	return reply(w, out, nil)
}

// consentStatements gives an under-14 holder's wallet the guardian
// consent statements its offline presentations carry.
func (s *Server) consentStatements(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
	if err != nil {
		return err
	}
	list, err := s.Verification.ConsentStatements(r.Context(), h)
	if err != nil {
		return err
	}
	out := api.ConsentStatements{Statements: make([]api.ConsentStatement, 0, len(list))}
	for _, c := range list {
		out.Statements = append(out.Statements, api.ConsentStatement{
			Audience: c.Audience, CredentialID: c.CredentialID, KeyThumbprint: c.KeyThumbprint, Statement: c.Statement, ExpiresAt: c.ExpiresAt,
		})
	}
	w.Header().Set("Cache-Control", "no-store")
	return reply(w, out, nil)
}

// wardConsent is a guardian consenting ahead to an under-14 ward's use of
// a relying party (or of offline in-person checks).
func (s *Server) wardConsent(w http.ResponseWriter, r *http.Request) error {
	h, err := s.holderOf(r)
	if err != nil {
		return err
	}
	var req api.WardConsentRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if req.Audience == "" || len(req.Audience) > 512 {
		return fmt.Errorf("%w: audience must name a relying party (1 to 512 bytes)", verification.ErrInvalidRequest)
	}
	if err := s.Verification.GuardianConsentAhead(r.Context(), h.Person.ID, r.PathValue("id"), req.Audience, req.Password); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, api.WardConsent{Audience: req.Audience})
	return nil
}

func (s *Server) auditHead(w http.ResponseWriter, r *http.Request) error {
	heads, err := s.Heads.ListHeads(r.Context())
	if err != nil {
		return err
	}
	if len(heads) == 0 {
		return httpx.New(typeNoAuditHead, "the record log has no signed head yet")
	}
	last := heads[len(heads)-1]
	w.Header().Set("Cache-Control", "public, max-age=60")
	httpx.WriteJSON(w, http.StatusOK, api.AuditHead{Hash: b64(last.Hash), Seq: last.Seq, Signature: last.Signature, Time: last.Time})
	return nil
}

// provenHistory is the history of rs with the newest signed tree head
// and each record's inclusion proof in it.
func (s *Server) provenHistory(ctx context.Context, rs []storage.Record) (api.History, error) {
	out := history(rs)
	if s.Tree == nil {
		return out, nil
	}
	head, err := s.Tree.LatestTreeHead(ctx)
	if errors.Is(err, storage.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return api.History{}, err
	}
	out.TreeHead = treeHead(head)
	for i, rec := range rs {
		if rec.Seq > head.Size {
			continue // appended after the head was read
		}
		p, err := audit.InclusionProof(ctx, s.Tree, rec.Seq, head.Size)
		if err != nil {
			return api.History{}, err
		}
		out.Records[i].Hash = b64(rec.Hash)
		out.Records[i].Inclusion = b64s(p)
	}
	return out, nil
}

func (s *Server) auditTreeHead(w http.ResponseWriter, r *http.Request) error {
	head, err := s.newestTreeHead(r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-cache")
	httpx.WriteJSON(w, http.StatusOK, treeHead(head))
	return nil
}

func (s *Server) newestTreeHead(r *http.Request) (storage.TreeHead, error) {
	if s.Tree == nil {
		return storage.TreeHead{}, errNoTreeHead()
	}
	head, err := s.Tree.LatestTreeHead(r.Context())
	if errors.Is(err, storage.ErrNotFound) {
		return storage.TreeHead{}, errNoTreeHead()
	}
	return head, err
}

func errNoTreeHead() error {
	return httpx.New(typeNoAuditHead, "the record log has no signed tree head yet")
}

// auditConsistency answers the consistency proof between the tree sizes
// from and to (1 <= from <= to <= the newest size).
func (s *Server) auditConsistency(w http.ResponseWriter, r *http.Request) error {
	head, err := s.newestTreeHead(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, err1 := strconv.ParseInt(q.Get("from"), 10, 64)
	to, err2 := strconv.ParseInt(q.Get("to"), 10, 64)
	if err1 != nil || err2 != nil || from < 1 || from > to || to > head.Size {
		return httpx.New(typeInvalidTreeSize,
			fmt.Sprintf("from and to must be tree sizes with 1 <= from <= to <= %d", head.Size))
	}
	p, err := audit.ConsistencyProof(r.Context(), s.Tree, from, to)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	httpx.WriteJSON(w, http.StatusOK, api.Consistency{From: from, To: to, Proof: b64s(p)})
	return nil
}

func treeHead(h storage.TreeHead) *api.TreeHead {
	return &api.TreeHead{Size: h.Size, Root: b64(h.Root), Time: h.Time, Signature: h.Signature}
}

func b64s(hashes [][]byte) []string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		out[i] = b64(h)
	}
	return out
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
