package server

import (
	"errors"
	"net/http"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/help"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/i18n"
)

// help answers GET /v1/help: the operator's help in the request's
// language, an empty object when none is configured.
func (s *Server) help(w http.ResponseWriter, r *http.Request) error {
	lang := i18n.Negotiate(r)
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Content-Language", lang.String())
	h.Add("Vary", "Cookie, Accept-Language")
	httpx.WriteJSON(w, http.StatusOK, s.Help.For(lang))
	return nil
}

// withHelp adds the operator's help (api.ExtHelp, in the request's
// language) to a problem a person cannot resolve alone (help.Needed).
func (s *Server) withHelp(r *http.Request, err error) error {
	var p *httpx.Problem
	if !s.Help.Configured() || !errors.As(err, &p) || !help.Needed(p.Slug()) {
		return err
	}
	return p.With(api.ExtHelp, s.Help.For(i18n.Negotiate(r)))
}
