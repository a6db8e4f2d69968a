package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/recourse"
	"github.com/netid-project/netid/internal/storage"
)

// Recourse (package recourse): a holder's cases, authenticated by a holder
// proof (a suspended credential's too: its holder may dispute the
// suspension), and the operators' queue, authenticated by the admin token:
//
//	POST /v1/holder/cases                      open a case → 201 Case
//	GET  /v1/holder/cases                      the holder's cases
//	GET  /v1/holder/cases/{number}             one of them
//	GET  /v1/admin/cases                       the queue (?state=&overdue=true&after=&limit=)
//	GET  /v1/admin/cases/{number}              a case
//	POST /v1/admin/cases/{number}/answer       {answer}
//	POST /v1/admin/cases/{number}/close        {resolution, action?, answer?}

func init() {
	mappings = append(mappings,
		mapping{recourse.ErrInvalid, httpx.NewType(http.StatusUnprocessableEntity, "case-invalid")},
		mapping{recourse.ErrNotFound, httpx.NewType(http.StatusNotFound, "case-not-found")},
		mapping{recourse.ErrNoSuchRecord, httpx.NewType(http.StatusNotFound, "case-record-not-found")},
		mapping{recourse.ErrNoSuchRelyingParty, httpx.NewType(http.StatusNotFound, "case-relying-party-not-found")},
		mapping{recourse.ErrNotSuspended, httpx.NewType(http.StatusConflict, "case-not-suspended")},
		mapping{recourse.ErrAlreadyOpen, httpx.NewType(http.StatusConflict, "case-already-open")},
		mapping{recourse.ErrState, httpx.NewType(http.StatusConflict, "case-state")},
		mapping{recourse.ErrTooMany, httpx.NewType(http.StatusTooManyRequests, "too-many-cases")},
	)
}

var typeInvalidCaseQuery = httpx.NewType(http.StatusBadRequest, "invalid-case-query")

// CasesAdminPath is the root of the operators' case routes.
const CasesAdminPath = "/v1/admin/cases"

func (s *Server) mountCases(h func(string, func(http.ResponseWriter, *http.Request) error)) {
	h("POST /v1/holder/cases", s.openCase)
	h("GET /v1/holder/cases", s.holderCases)
	h("GET /v1/holder/cases/{number}", s.holderCase)
	h("GET "+CasesAdminPath, s.adminCases)
	h("GET "+CasesAdminPath+"/{number}", s.adminCase)
	h("POST "+CasesAdminPath+"/{number}/answer", s.adminAnswerCase)
	h("POST "+CasesAdminPath+"/{number}/close", s.adminCloseCase)
}

func (s *Server) openCase(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, true)
	if err != nil {
		return err
	}
	var req api.CaseOpenRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	kind, ok := fromAPI(caseKinds, req.Kind)
	if !ok {
		return httpx.New(problemType(recourse.ErrInvalid), "kind must be record, suspension or relying_party")
	}
	ground, ok := fromAPI(caseGrounds, req.Ground)
	if !ok {
		return httpx.New(problemType(recourse.ErrInvalid), "unknown ground")
	}
	c, err := s.Cases.Open(r.Context(), h.Person.ID, h.Credential.ID, recourse.OpenRequest{
		Kind: kind, Ground: ground, RecordSeq: req.RecordSeq, RPID: req.RPID, Statement: req.Statement,
	})
	if err != nil {
		return err
	}
	s.Log.Info("case opened", "case", c.Number, "kind", string(c.Kind))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", s.PublicURL+"/v1/holder/cases/"+c.Number)
	httpx.WriteJSON(w, http.StatusCreated, caseView(c, ""))
	return nil
}

func (s *Server) holderCases(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, true)
	if err != nil {
		return err
	}
	list, err := s.Cases.Mine(r.Context(), h.Person.ID)
	if err != nil {
		return err
	}
	return reply(w, caseList(list, nil), nil)
}

func (s *Server) holderCase(w http.ResponseWriter, r *http.Request) error {
	h, err := s.lifecycleHolder(r, true)
	if err != nil {
		return err
	}
	c, err := s.Cases.Get(r.Context(), h.Person.ID, r.PathValue("number"))
	if err != nil {
		return err
	}
	return reply(w, caseView(c, ""), nil)
}

// wanghaoOf returns the 网号 of the person personID, for operators.
func (s *Server) wanghaoOf(ctx context.Context, personID string) (string, error) {
	return s.Cases.Wanghao(ctx, personID)
}

func (s *Server) adminCases(w http.ResponseWriter, r *http.Request) error {
	if err := s.adminAuthorized(w, r); err != nil {
		return err
	}
	q := r.URL.Query()
	var f recourse.Filter
	if v := q.Get("state"); v != "" {
		st, ok := fromAPI(caseStates, api.CaseState(v))
		if !ok {
			return httpx.New(typeInvalidCaseQuery, "state must be open, answered or closed")
		}
		f.State = st
	}
	switch q.Get("overdue") {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return httpx.New(typeInvalidCaseQuery, "overdue must be true or false")
	}
	f.After = q.Get("after")
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > recourse.MaxList {
			return httpx.New(typeInvalidCaseQuery, "limit must be 1 to 500")
		}
		f.Limit = n
	}
	list, err := s.Cases.Queue(r.Context(), f)
	if err != nil {
		return err
	}
	wanghao := map[string]string{}
	for _, c := range list {
		if _, ok := wanghao[c.PersonID]; !ok {
			if wanghao[c.PersonID], err = s.wanghaoOf(r.Context(), c.PersonID); err != nil {
				return err
			}
		}
	}
	return reply(w, caseList(list, wanghao), nil)
}

func (s *Server) adminCase(w http.ResponseWriter, r *http.Request) error {
	if err := s.adminAuthorized(w, r); err != nil {
		return err
	}
	c, err := s.Cases.Show(r.Context(), r.PathValue("number"))
	return s.replyAdminCase(w, r, c, err)
}

func (s *Server) adminAnswerCase(w http.ResponseWriter, r *http.Request) error {
	if err := s.adminAuthorized(w, r); err != nil {
		return err
	}
	var req api.CaseAnswerRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	c, err := s.Cases.Answer(r.Context(), r.PathValue("number"), req.Answer)
	if err == nil {
		s.Log.Info("case answered", "case", c.Number)
	}
	return s.replyAdminCase(w, r, c, err)
}

func (s *Server) adminCloseCase(w http.ResponseWriter, r *http.Request) error {
	if err := s.adminAuthorized(w, r); err != nil {
		return err
	}
	var req api.CaseCloseRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	res, ok := fromAPI(caseResolutions, req.Resolution)
	if !ok {
		return httpx.New(problemType(recourse.ErrInvalid), "resolution must be upheld or not_upheld")
	}
	var action recourse.Action
	if req.Action != "" {
		if action, ok = fromAPI(caseActions, req.Action); !ok {
			return httpx.New(problemType(recourse.ErrInvalid), "action must be disable_rp, lift_suspension or absent")
		}
	}
	c, err := s.Cases.Close(r.Context(), r.PathValue("number"), recourse.CloseRequest{Resolution: res, Action: action, Answer: req.Answer})
	if err == nil {
		s.Log.Info("case closed", "case", c.Number, "resolution", string(c.Resolution), "action", string(c.Action), "rp", c.RPID)
	}
	return s.replyAdminCase(w, r, c, err)
}

func (s *Server) replyAdminCase(w http.ResponseWriter, r *http.Request, c recourse.Case, err error) error {
	if err != nil {
		return err
	}
	wh, err := s.wanghaoOf(r.Context(), c.PersonID)
	if err != nil {
		return err
	}
	return reply(w, caseView(c, wh), nil)
}

// problemType is the problem type the table maps err to.
func problemType(err error) httpx.Type {
	for _, m := range mappings {
		if m.err == err {
			return m.typ
		}
	}
	panic("server: no problem type for " + err.Error())
}

// markDisputes marks the records of out that a case of the holder
// personID disputes, and names the case of each case step's record.
func (s *Server) markDisputes(ctx context.Context, personID string, out *api.History) error {
	if s.Cases == nil {
		return nil
	}
	disputes, err := s.Cases.Disputes(ctx, personID)
	if err != nil {
		return err
	}
	for i, rec := range out.Records {
		if c, ok := disputes[rec.Seq]; ok && rec.Channel != api.ChannelCase {
			out.Records[i].DisputedBy, out.Records[i].DisputeState = c.Number, toAPI(caseStates, c.State)
		}
	}
	return nil
}

// caseRecord names the case a record of a case's step belongs to.
func caseRecord(r storage.Record, out *api.Record) {
	if r.Channel == recourse.Channel {
		out.Case = r.ID
	}
}
