package server

import (
	"net/http"
	"net/url"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/counter"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/proofing"
)

// CounterApplicationsPath is where a counter's terminal submits.
const CounterApplicationsPath = "/v1/counter/applications"

// mountCounter mounts the counters' routes: the terminals' submissions
// (Counters) and the operators' register (CounterAdmin).
func (s *Server) mountCounter(mux *http.ServeMux, h func(string, func(http.ResponseWriter, *http.Request) error)) {
	if s.Counters != nil {
		h("POST "+CounterApplicationsPath, s.counterApply)
	}
	if s.CounterAdmin != nil {
		s.CounterAdmin.Mount(mux)
	}
}

// counterApply takes a counter's signed submission: the counter's trust
// and the submission's freshness (counter.Verifier), then the chip and
// the face check's binding as for any application (proofing), ending with
// the record of the counter application.
func (s *Server) counterApply(w http.ResponseWriter, r *http.Request) error {
	var req api.CounterSubmissionRequest
	if err := httpx.DecodeJSON(w, r, s.MaxBody, &req); err != nil {
		return err
	}
	sub, err := s.Counters.Verify(r.Context(), req.Submission)
	if err != nil {
		return counter.Problem(err)
	}
	c := sub.Claims
	started, err := s.Proofing.StartAtCounter(r.Context(), proofing.CounterApplication{
		CounterID: sub.Counter.ID, CounterName: sub.Counter.Name, DocumentType: c.DocumentType,
		Chip: c.Chip, FaceImageHash: sub.FaceImageHash, FaceScore: c.Face.Score,
		WanghaoOnly: c.Finish == counter.FinishWanghao,
	})
	if err != nil {
		return err
	}
	s.Log.InfoContext(r.Context(), "counter application", "counter", sub.Counter.ID, "application", started.ID,
		"finish", c.Finish, "request_id", httpx.RequestIDFrom(r.Context()))
	w.Header().Set("Location", s.PublicURL+"/v1/applications/"+started.ID)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, counterApplication(started, sub.Counter.ID, s.PublicURL))
	return nil
}

// counterApplication answers a counter's submission: the application, and
// either its token with the web wallet's hand-over link or the 网号.
func counterApplication(started proofing.CounterStarted, counterID, publicURL string) api.CounterApplication {
	out := api.CounterApplication{Application: application(started.View), Counter: counterID, Wanghao: started.Wanghao}
	if started.Token != "" {
		out.Token = started.Token
		out.HandoverLink = publicURL + "/wallet/apply#" + url.Values{"app": {started.ID}, "token": {started.Token}}.Encode()
	}
	return out
}
