package server

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/devauthority"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/sms"
)

// Dev holds the development authorities that `netid serve --dev` runs
// and trusts. None of them exists without --dev.
type Dev struct {
	Documents     *devauthority.Documents
	Outbox        *sms.Outbox
	Liveness      liveness.Signer
	Relationships guardian.Authority
	MaxBody       int64
	Now           func() time.Time
}

func (d *Dev) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

const devEvidenceValidity = 10 * time.Minute

// Mount registers the development routes under /dev/.
func (d *Dev) Mount(mux *http.ServeMux, h func(string, func(http.ResponseWriter, *http.Request) error)) {
	h("POST /dev/documents", d.mintDocument)
	h("GET /dev/sms", d.latestSMS)
	h("POST /dev/liveness", d.attestLiveness)
	h("POST /dev/relationships", d.attestRelationship)
}

func (d *Dev) mintDocument(w http.ResponseWriter, r *http.Request) error {
	var req api.MintRequest
	if err := httpx.DecodeJSON(w, r, d.MaxBody, &req); err != nil {
		return err
	}
	face := req.Face
	if len(face) == 0 {
		face = devauthority.FaceImage(req.Identity.Name + req.Identity.Number)
	}
	data, err := d.Documents.Mint(req.Identity, face, d.now())
	if err != nil {
		return httpx.New(typeMintFailed, err.Error())
	}
	httpx.WriteJSON(w, http.StatusCreated, data)
	return nil
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

func (d *Dev) latestSMS(w http.ResponseWriter, r *http.Request) error {
	phone, err := sms.NormalizePhone(r.URL.Query().Get("phone"))
	if err != nil {
		return problem(err)
	}
	m, ok := d.Outbox.Latest(phone)
	if !ok {
		return httpx.New(typeNoMessage, "the dev outbox holds no message for this number")
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, api.SMSMessage{To: m.To, Text: m.Text, Code: codeRE.FindString(m.Text)})
	return nil
}

func (d *Dev) attestLiveness(w http.ResponseWriter, r *http.Request) error {
	var req api.LivenessRequest
	if err := httpx.DecodeJSON(w, r, d.MaxBody, &req); err != nil {
		return err
	}
	hash, err := base64.RawURLEncoding.DecodeString(req.FaceImageHash)
	if err != nil || len(hash) != 32 {
		return httpx.New(typeInvalidFaceHash, "face_image_hash must be the base64url SHA-256 of the chip's face image")
	}
	lr := liveness.Request{Challenge: req.Challenge, ApplicationID: req.ApplicationID, Capture: req.Capture}
	copy(lr.FaceImageHash[:], hash)
	att, err := d.Liveness.Attest(r.Context(), lr)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, api.LivenessAttestation{Attestation: att})
	return nil
}

func (d *Dev) attestRelationship(w http.ResponseWriter, r *http.Request) error {
	var req api.RelationshipAttestRequest
	if err := httpx.DecodeJSON(w, r, d.MaxBody, &req); err != nil {
		return err
	}
	if req.Relationship == "" {
		req.Relationship = "parent"
	}
	ev, err := d.Relationships.Attest(guardian.Claim{Guardian: req.Guardian, ChildRef: req.ChildRef, Relationship: req.Relationship}, d.now(), devEvidenceValidity)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, api.RelationshipEvidence{Evidence: ev})
	return nil
}
