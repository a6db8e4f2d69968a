package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// The holder's self-service (package lifecycle), authenticated by a holder
// proof, and the operators' credential actions, authenticated by the admin
// token:
//
//	GET    /v1/holder/account                  the account view (网号 masked)
//	POST   /v1/holder/account/reveal           the same with the full 网号 {password}
//	POST   /v1/holder/suspend                  suspend {password, reason?}
//	POST   /v1/holder/resume                   lift the holder's own suspension {password}
//	PUT    /v1/holder/password                 {old_password, new_password}
//	POST   /v1/holder/phone                    codes to both numbers {password, phone} → 202
//	POST   /v1/holder/phone/verify             {phone, old_code, new_code} → 204
//	GET    /v1/holder/platforms                the relying parties consented to
//	DELETE /v1/holder/platforms/{rp}           withdraw consent → 204
//	POST   /v1/holder/cancel                   cancel (注销) {password} → 204
//	GET    /v1/holder/wards                    a guardian's wards under 18
//	POST   /v1/holder/batch                    a new batch of credentials {proofs} → {batch}
//	GET    /v1/admin/credentials/{wanghao}     an operator's view
//	POST   /v1/admin/credentials/{wanghao}/{suspend|resume|revoke}  {reason}
//
// The account view, reveal, suspend, resume, cancel and the platforms
// accept the proof of a suspended or expired (not revoked) credential: a
// holder must be able to see and lift their own suspension. A cancelled
// identity answers identity-cancelled on every one of these routes.

func init() {
	mappings = append(mappings,
		mapping{lifecycle.ErrCancelled, httpx.NewType(http.StatusGone, "identity-cancelled")},
		mapping{lifecycle.ErrNoSuchPerson, httpx.NewType(http.StatusNotFound, "no-such-person")},
		mapping{person.ErrAlreadySuspended, httpx.NewType(http.StatusConflict, "already-suspended")},
		mapping{lifecycle.ErrNoOperatorSuspension, httpx.NewType(http.StatusConflict, "no-operator-suspension")},
		mapping{lifecycle.ErrReason, httpx.NewType(http.StatusBadRequest, "invalid-reason")},
		mapping{lifecycle.ErrAction, httpx.NewType(http.StatusNotFound, "unknown-action")},
		mapping{lifecycle.ErrSamePassword, httpx.NewType(http.StatusUnprocessableEntity, "same-password")},
		mapping{lifecycle.ErrNoPhone, httpx.NewType(http.StatusConflict, "no-linked-phone")},
		mapping{lifecycle.ErrPhoneChanged, httpx.NewType(http.StatusConflict, "phone-changed")},
		mapping{lifecycle.ErrNoConsent, httpx.NewType(http.StatusNotFound, "consent-not-found")},
	)
}

// CredentialsAdminPath is the root of the operators' credential routes.
const CredentialsAdminPath = "/v1/admin/credentials/"

// mountLifecycle registers the routes above.
func (s *Server) mountLifecycle(h func(string, func(http.ResponseWriter, *http.Request) error)) {
	h("GET /v1/holder/account", s.holderAccount)
	h("POST /v1/holder/account/reveal", s.holderReveal)
	h("POST /v1/holder/suspend", s.holderSuspend)
	h("POST /v1/holder/resume", s.holderResume)
	h("PUT /v1/holder/password", s.holderChangePassword)
	h("POST /v1/holder/phone", s.holderStartPhone)
	h("POST /v1/holder/phone/verify", s.holderConfirmPhone)
	h("GET /v1/holder/platforms", s.holderPlatforms)
	h("DELETE /v1/holder/platforms/{rp}", s.holderWithdraw)
	h("POST /v1/holder/cancel", s.holderCancel)
	h("GET /v1/holder/wards", s.holderWards)
	h("POST /v1/holder/batch", s.holderBatch)

	h("GET "+CredentialsAdminPath+"{wanghao}", s.adminCredential)
	h("POST "+CredentialsAdminPath+"{wanghao}/{action}", s.adminCredentialAction)
}

// anyStatus presents every credential that is not revoked (and the revoked
// credentials of cancelled persons) as active and unexpired, and every
// person as active, so that holder.Verifier checks the proof itself
// (signature with the stored device key, request binding, freshness,
// replay) and the caller then decides on the real statuses.
type anyStatus struct{ holder.Store }

func (a anyStatus) GetCredentialHolder(ctx context.Context, id string) (storage.Credential, storage.Person, error) {
	c, p, err := a.Store.GetCredentialHolder(ctx, id)
	if err != nil {
		return c, p, err
	}
	if c.Status == storage.CredentialRevoked && p.State == storage.PersonActive {
		return c, p, nil // a revoked credential of an active person stays dead
	}
	c.Status, c.ExpiresAt = storage.CredentialActive, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	p.State = storage.PersonActive
	return c, p, nil
}

// lifecycleHolder authenticates the holder of a lifecycle route. With
// inactiveOK a suspended or expired credential is accepted; a revoked one
// never is, and a cancelled person gets lifecycle.ErrCancelled.
func (s *Server) lifecycleHolder(r *http.Request, inactiveOK bool) (holder.Holder, error) {
	v := s.Holders
	v.Store = anyStatus{s.Holders.Store}
	h, err := v.Verify(r.Context(), r.Header.Get(holder.Header), r.Method, s.requestURL(r))
	if err != nil {
		return h, err
	}
	c, p, err := s.Holders.Store.GetCredentialHolder(r.Context(), h.Credential.ID)
	if err != nil {
		return holder.Holder{}, err
	}
	switch {
	case p.State != storage.PersonActive:
		return holder.Holder{}, lifecycle.ErrCancelled
	case c.Status == storage.CredentialRevoked:
		return holder.Holder{}, holder.ErrInactive
	case c.Status == storage.CredentialSuspended && (c.StatusBy == storage.StatusByRecovery || storage.UnderOperator(c) == storage.StatusByRecovery):
		// Reported lost through a recover application: this device may be
		// in someone else's hands, with the password. Only a new recover
		// application (or an operator) acts on it.
		return holder.Holder{}, holder.ErrInactive
	case !inactiveOK && (c.Status != storage.CredentialActive || !s.now().Before(c.ExpiresAt)):
		return holder.Holder{}, holder.ErrInactive
	}
	return holder.Holder{Credential: c, Person: p}, nil
}

func (s *Server) holderAccount(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, true)
	if err != nil {
		return err
	}
	a, err := s.Lifecycle.Account(r.Context(), h.Person.ID, h.Credential.ID)
	return replyAccount(w, a, err)
}

func (s *Server) holderReveal(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, true)
	if err != nil {
		return err
	}
	var req api.PasswordRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	a, err := s.Lifecycle.Reveal(r.Context(), h.Person.ID, h.Credential.ID, req.Password)
	return replyAccount(w, a, err)
}

// holderBatch issues a new batch of credentials for the holder's active
// credential.
func (s *Server) holderBatch(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, false)
	if err != nil {
		return err
	}
	var req api.BatchRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	batch, err := s.Proofing.RefreshBatch(r.Context(), h.Credential, h.Person, req.Proofs)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, api.Batch{Batch: batch})
	return nil
}

func (s *Server) holderSuspend(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, true)
	if err != nil {
		return err
	}
	var req api.SuspendRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if _, err := s.Lifecycle.SuspendByHolder(r.Context(), h.Person.ID, h.Credential.ID, req.Password, req.Reason); err != nil {
		return err
	}
	a, err := s.Lifecycle.Account(r.Context(), h.Person.ID, h.Credential.ID)
	return replyAccount(w, a, err)
}

func (s *Server) holderResume(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, true)
	if err != nil {
		return err
	}
	var req api.PasswordRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if _, err := s.Lifecycle.ResumeByHolder(r.Context(), h.Person.ID, h.Credential.ID, req.Password); err != nil {
		return err
	}
	a, err := s.Lifecycle.Account(r.Context(), h.Person.ID, h.Credential.ID)
	return replyAccount(w, a, err)
}

func (s *Server) holderChangePassword(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, false)
	if err != nil {
		return err
	}
	var req api.ChangePasswordRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if err := s.Lifecycle.ChangePassword(r.Context(), h.Person.ID, req.OldPassword, req.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// codeProblem adds which code failed ("code": "old" or "new") to the
// problem of a phone change.
func codeProblem(err error) error {
	var ce *lifecycle.CodeError
	if !errors.As(err, &ce) {
		return err
	}
	var p *httpx.Problem
	if errors.As(problem(err), &p) {
		return p.With(api.ExtCode, toAPI(phoneCodes, ce.Which))
	}
	return err
}

func (s *Server) holderStartPhone(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, false)
	if err != nil {
		return err
	}
	var req api.PhoneChangeRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if !s.SMSEnabled {
		return ErrSMSUnavailable
	}
	if err := s.Lifecycle.StartPhoneChange(r.Context(), h.Person.ID, req.Password, req.Phone); err != nil {
		return codeProblem(err)
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *Server) holderConfirmPhone(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, false)
	if err != nil {
		return err
	}
	var req api.PhoneConfirmRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if err := s.Lifecycle.ConfirmPhoneChange(r.Context(), h.Person.ID, req.Phone, req.OldCode, req.NewCode); err != nil {
		return codeProblem(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) holderPlatforms(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, true)
	if err != nil {
		return err
	}
	list, err := s.Lifecycle.Platforms(r.Context(), h.Person.ID)
	if err != nil {
		return err
	}
	return reply(w, platforms(list), nil)
}

func (s *Server) holderWithdraw(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, true)
	if err != nil {
		return err
	}
	if err := s.Lifecycle.Withdraw(r.Context(), h.Person.ID, r.PathValue("rp")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) holderCancel(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, true)
	if err != nil {
		return err
	}
	var req api.PasswordRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if err := s.Lifecycle.Cancel(r.Context(), h.Person.ID, req.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) holderWards(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, false)
	if err != nil {
		return err
	}
	list, err := s.Lifecycle.Wards(r.Context(), h.Person.ID)
	if err != nil {
		return err
	}
	return reply(w, wards(list), nil)
}

// maxAdminToken bounds a presented admin token before hashing.
const maxAdminToken = 1024

// adminAuthorized checks the admin token as relyingparty.AdminAPI does
// (the same token): without a configured token the routes answer 404.
func (s *Server) adminAuthorized(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if s.Admin == nil || len(s.Admin.TokenMAC) == 0 || s.Admin.MAC == nil {
		return httpx.NotFound()
	}
	h := r.Header.Values("Authorization")
	ok := false
	if len(h) == 1 {
		scheme, token, _ := strings.Cut(h[0], " ")
		token = strings.TrimSpace(token)
		if strings.EqualFold(scheme, "Bearer") && token != "" && len(token) <= maxAdminToken {
			mac := s.Admin.MAC(relyingparty.AdminTokenDomain, []byte(token))
			ok = subtle.ConstantTimeCompare(mac, s.Admin.TokenMAC) == 1
		}
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="netid-admin"`)
		return httpx.New(relyingparty.TypeAdminUnauthorized,
			"A valid admin bearer token is required.")
	}
	return nil
}

func (s *Server) adminCredential(w http.ResponseWriter, r *http.Request) error {
	if err := s.adminAuthorized(w, r); err != nil {
		return err
	}
	v, err := s.Lifecycle.OperatorView(r.Context(), r.PathValue("wanghao"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, personView(v))
	return nil
}

func (s *Server) adminCredentialAction(w http.ResponseWriter, r *http.Request) error {
	if err := s.adminAuthorized(w, r); err != nil {
		return err
	}
	var req api.ReasonRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	// An action no constant maps to goes to lifecycle as it came, which
	// refuses it (unknown-action).
	action, ok := fromAPI(operatorActions, api.OperatorAction(r.PathValue("action")))
	if !ok {
		action = lifecycle.Action(r.PathValue("action"))
	}
	v, err := s.Lifecycle.Operator(r.Context(), r.PathValue("wanghao"), action, req.Reason)
	if err != nil && len(v.Changed) == 0 {
		return err
	}
	if err != nil {
		// The change happened; only its record failed.
		s.Log.Error("operator credential action not recorded", "err", err)
	}
	s.Log.Info("operator changed credential status", "action", string(action), "credentials", v.Changed)
	httpx.WriteJSON(w, http.StatusOK, personView(v))
	return nil
}

func replyAccount(w http.ResponseWriter, a lifecycle.Account, err error) error {
	if err != nil {
		return err
	}
	return reply(w, account(a), nil)
}
