package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/help"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/person"
)

var wireHelp = help.Help{
	Text:       "请拨打服务热线，或携带身份证到就近派出所办理。",
	TextEN:     "Call the hotline, or bring your ID card to a police station.",
	Hotline:    "400-000-1234",
	OfficesURL: "https://gov.example/offices",
}

// TestWireGoldenHelp pins GET /v1/help and a problem carrying the help, as
// an English-speaking client gets them.
func TestWireGoldenHelp(t *testing.T) {
	s := &Server{Help: wireHelp}
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/v1/help", nil)
	r.Header.Set("Accept-Language", "en")
	if err := s.help(w, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "help.json", w.Body.Bytes())

	w = httptest.NewRecorder()
	locked := &password.LockedError{Until: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	httpx.WriteError(w, r, nil, s.withHelp(r, problem(fmt.Errorf("lifecycle: %w", locked))))
	golden(t, "problem-help.json", w.Body.Bytes())
}

// TestWithHelp: only the problems help.Needed names get the help, and only
// when the operator configured some.
func TestWithHelp(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	s := &Server{Help: wireHelp}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("x: %w", person.ErrOperatorHold), true},
		{fmt.Errorf("x: %w", password.ErrWrongPassword), false},
		{fmt.Errorf("not a problem"), false},
	} {
		got := false
		if p, ok := s.withHelp(r, problem(tc.err)).(*httpx.Problem); ok {
			_, got = p.Extensions["help"]
		}
		if got != tc.want {
			t.Errorf("%v: help %v, want %v", tc.err, got, tc.want)
		}
	}
	none := &Server{}
	p := none.withHelp(r, problem(person.ErrOperatorHold)).(*httpx.Problem)
	if _, got := p.Extensions["help"]; got {
		t.Error("help without help configured")
	}
}
