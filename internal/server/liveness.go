package server

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/liveness"
)

// LivenessPath is the liveness relay: a wallet page sends the camera's
// capture here, and the platform asks the configured liveness provider
// for the attestation the page then submits like any other.
const LivenessPath = "/v1/liveness"

// MaxLivenessBody bounds a relay request: one camera frame (JPEG or PNG,
// base64 in JSON) and the binding values.
const MaxLivenessBody = 2 << 20

// Errors of the liveness relay.
var (
	// ErrLivenessUnavailable: the platform has no liveness provider
	// (neither --liveness-url nor --dev).
	ErrLivenessUnavailable = errors.New("no liveness provider is configured on this platform")
	// ErrLivenessUnauthenticated: the request carries neither an
	// application's bearer token nor a holder proof.
	ErrLivenessUnauthenticated = errors.New("a face check needs the application's token or a holder proof")
	// ErrLivenessProvider: the liveness provider could not be reached or
	// gave no usable answer; the details go to the log only.
	ErrLivenessProvider = errors.New("the liveness provider gave no attestation")
	// ErrInvalidCapture: the capture is not a JPEG or PNG image.
	ErrInvalidCapture = errors.New("capture must be one camera frame as a JPEG or PNG image")
)

var (
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
)

// relayLiveness is POST /v1/liveness. The face check must be due: for an
// application, its bearer token and the face step; for a verification
// (application_id is then the session's ID), a holder proof of the wallet
// that opened the face-level session. The challenge and face image hash
// must be the ones the attestation will be checked against, so the
// provider is only asked for attestations that can pass. The capture and
// the face image hash are never logged.
func (s *Server) relayLiveness(w http.ResponseWriter, r *http.Request) error {
	if s.Liveness == nil {
		return ErrLivenessUnavailable
	}
	var req api.LivenessRequest
	if err := httpx.DecodeJSON(w, r, MaxLivenessBody, &req); err != nil {
		return err
	}
	hash, err := base64.RawURLEncoding.DecodeString(req.FaceImageHash)
	if err != nil || len(hash) != 32 {
		return httpx.New(typeInvalidFaceHash, "face_image_hash must be the base64url SHA-256 of the chip's face image")
	}
	if !bytes.HasPrefix(req.Capture, jpegMagic) && !bytes.HasPrefix(req.Capture, pngMagic) {
		return ErrInvalidCapture
	}
	var want liveness.Expect
	switch {
	case bearer(r) != "":
		want, err = s.Proofing.FaceCheck(r.Context(), req.ApplicationID, bearer(r))
	case r.Header.Get(holder.Header) != "" && s.Verification != nil:
		h, herr := s.holderOf(r)
		if herr != nil {
			return herr
		}
		want, err = s.Verification.FaceCheck(r.Context(), h, req.ApplicationID)
	default:
		return ErrLivenessUnauthenticated
	}
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(req.Challenge), []byte(want.Challenge)) != 1 {
		return fmt.Errorf("%w: not the face challenge of this check", liveness.ErrMismatch)
	}
	if subtle.ConstantTimeCompare(hash, want.FaceImageHash[:]) != 1 {
		return fmt.Errorf("%w: not the face image of this check", liveness.ErrMismatch)
	}
	lr := liveness.Request{Challenge: want.Challenge, ApplicationID: want.ApplicationID, FaceImageHash: want.FaceImageHash, Capture: req.Capture}
	att, err := s.Liveness.Attest(r.Context(), lr)
	if err != nil {
		s.Log.ErrorContext(r.Context(), "liveness relay: the provider gave no attestation", "err", err)
		return ErrLivenessProvider
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, api.LivenessAttestation{Attestation: att})
	return nil
}
