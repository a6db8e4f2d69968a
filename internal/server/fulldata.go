package server

import (
	"net/http"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/httpx"
)

// Full-data checks (实名登记, eidverify/fulldata.go): the verifier collects
// the holder's full name and number after the holder approved on their
// device; the holder lists and answers the requests with holder proofs.
//
//	GET  /v1/eid/full-data/{id}          (terminal proof or client auth) → EIDFullData
//	GET  /v1/wallet/eid/full-data        (holder proof) → EIDFullDataPrompts
//	POST /v1/wallet/eid/full-data/{id}   (holder proof) EIDFullDataAnswer → 204

var fullDataProblems = []mapping{
	{eidverify.ErrFullDataNotAllowed, httpx.NewType(http.StatusForbidden, "eid-full-data-not-allowed")},
	{eidverify.ErrFullDataNotFound, httpx.NewType(http.StatusNotFound, "eid-full-data-not-found")},
	{eidverify.ErrFullDataAnswered, httpx.NewType(http.StatusConflict, "eid-full-data-answered")},
}

// typePasswordRequired answers an approval without the credential
// password.
var typePasswordRequired = httpx.NewType(http.StatusBadRequest, "eid-full-data-password-required")

func init() {
	eidProblems = append(eidProblems, fullDataProblems...)
	mappings = append(mappings, fullDataProblems...)
}

// mountFullData registers the routes above.
func (s *Server) mountFullData(h func(string, func(http.ResponseWriter, *http.Request) error)) {
	h("GET /v1/eid/full-data/{id}", s.collectFullData)
	h("GET /v1/wallet/eid/full-data", s.pendingFullData)
	h("POST /v1/wallet/eid/full-data/{id}", s.answerFullData)
}

var fullDataStates = map[eidverify.FullDataState]api.EIDFullDataState{
	eidverify.FullDataPending:         api.EIDFullDataPending,
	eidverify.FullDataDeclined:        api.EIDFullDataDeclined,
	eidverify.FullDataExpired:         api.EIDFullDataExpired,
	eidverify.FullDataProvided:        api.EIDFullDataProvided,
	eidverify.FullDataAlreadyProvided: api.EIDFullDataAlreadyProvided,
}

func (s *Server) collectFullData(w http.ResponseWriter, r *http.Request) error {
	rp, deviceID, err := s.eidCaller(w, r)
	if err != nil {
		return err
	}
	fd, err := s.EID.CollectFullData(r.Context(), rp, deviceID, r.PathValue("id"))
	if err != nil {
		return eidProblem(err)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, api.EIDFullData{State: toAPI(fullDataStates, fd.State), Name: fd.Name, DocumentNumber: fd.Number})
	return nil
}

func (s *Server) pendingFullData(w http.ResponseWriter, r *http.Request) error {
	h, err := s.authenticate(r)
	if err != nil {
		return err
	}
	list, err := s.EID.PendingFullData(r.Context(), h.Person.ID)
	if err != nil {
		return err
	}
	out := api.EIDFullDataPrompts{Requests: []api.EIDFullDataPrompt{}}
	for _, p := range list {
		out.Requests = append(out.Requests, api.EIDFullDataPrompt{
			ID: p.Request.ID, RPName: p.RPName, Kind: toAPI(inPersonKinds, p.Kind), LegalBasis: p.LegalBasis, Device: p.Device,
			Name: p.Name, DocumentNumber: p.Number, CreatedAt: p.Request.CreatedAt, ExpiresAt: p.Request.ExpiresAt,
		})
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) answerFullData(w http.ResponseWriter, r *http.Request) error {
	h, err := s.authenticate(r)
	if err != nil {
		return err
	}
	var req api.EIDFullDataAnswer
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	if !req.Decision.Valid() {
		return errInvalidDecision()
	}
	approve := req.Decision == api.DecisionApprove
	if approve {
		// A separate consent for each check: the credential password,
		// with the holder's lockout.
		if req.Password == "" {
			return httpx.New(typePasswordRequired, "approving needs the credential password")
		}
		if err := s.Passwords.Verify(r.Context(), h.Person.ID, req.Password); err != nil {
			return err
		}
	}
	if err := s.EID.AnswerFullData(r.Context(), h.Person.ID, r.PathValue("id"), approve); err != nil {
		return eidProblem(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
