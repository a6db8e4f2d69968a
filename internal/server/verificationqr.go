package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/qr"
	"github.com/netid-project/netid/internal/verification"
)

// qrScale is the pixels per module of a session's QR code PNG.
const qrScale = 4

// isVerificationQR reports whether p is a session's QR code image, the one
// session path a browser fetches (an <img> on the relying party's page)
// rather than the relying party's server: it is limited per address.
func isVerificationQR(p string) bool {
	return strings.HasPrefix(p, "/v1/verifications/") && strings.HasSuffix(p, "/qr")
}

// verificationQRURL is where the QR code of a new session's link is
// rendered on demand: the session's id in the path, its code (what makes
// the URL unguessable) in the query.
func (s *Server) verificationQRURL(c verification.Created) string {
	return s.PublicURL + "/v1/verifications/" + url.PathEscape(c.Session.ID) + "/qr?code=" + url.QueryEscape(c.Code)
}

// verificationQR renders the QR code of a live session's link as a PNG,
// GET /v1/verifications/{id}/qr?code=…. It needs no client
// authentication, so the relying party can use the URL as an <img> src;
// the code in it is the same secret the image shows. The link never
// changes, so the image is cached until the session expires.
func (s *Server) verificationQR(w http.ResponseWriter, r *http.Request) error {
	sess, link, err := s.Verification.ScanLink(r.Context(), r.PathValue("id"), r.URL.Query().Get("code"))
	if err != nil {
		return err
	}
	etag := `"` + sess.ID + `"`
	age := int(sess.ExpiresAt.Sub(s.now()) / time.Second)
	if age < 0 {
		age = 0
	}
	h := w.Header()
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(age)+", immutable")
	h.Set("ETag", etag)
	// Loaded by the relying party's page, another origin.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if inm := r.Header.Get("If-None-Match"); inm == "*" || strings.Contains(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	img, err := qr.PNG(link.String(), qrScale)
	if err != nil {
		return err
	}
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", strconv.Itoa(len(img)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(img)
	return nil
}
