package api

import "github.com/netid-project/netid/internal/document"

// The development authorities of `netid serve --dev`, under /dev/. A
// production platform has none of these routes.

// MintRequest asks the development document authority for a test
// document, POST /dev/documents. Face is an optional JPEG or PNG (base64
// in JSON); without it a synthetic portrait is drawn. The answer (201) is
// the chip container JSON of package document/chip.
type MintRequest struct {
	Identity document.Identity `json:"identity"`
	Face     []byte            `json:"face,omitempty"`
}

// SMSMessage is the development outbox's latest message to a number,
// GET /dev/sms?phone=…; Code is the six-digit code found in Text.
type SMSMessage struct {
	To   string `json:"to"`
	Text string `json:"text"`
	Code string `json:"code,omitempty"`
}

// LivenessRequest asks the development liveness provider for an
// attestation, POST /dev/liveness: the liveness provider protocol that
// liveness.HTTPProvider speaks. FaceImageHash is the base64url SHA-256 of
// the chip's face image; Capture (base64 in JSON) is ignored by the
// development provider.
type LivenessRequest struct {
	Challenge     string `json:"challenge"`
	ApplicationID string `json:"application_id"`
	FaceImageHash string `json:"face_image_hash"`
	Capture       []byte `json:"capture,omitempty"`
}

// LivenessAttestation answers LivenessRequest: a compact JWS.
type LivenessAttestation struct {
	Attestation string `json:"attestation"`
}

// RelationshipAttestRequest asks the development relationship authority to
// attest that Guardian (a 网号) is the parent, or Relationship, of the
// child ChildRef names, POST /dev/relationships.
type RelationshipAttestRequest struct {
	Guardian     string `json:"guardian"`
	ChildRef     string `json:"child_ref"`
	Relationship string `json:"relationship,omitempty"`
}

// RelationshipEvidence answers RelationshipAttestRequest: evidence for
// RelationshipRequest.
type RelationshipEvidence struct {
	Evidence string `json:"evidence"`
}
