package api

import (
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/document"
)

// The platform's public documents and health.

// Configuration is the platform's discovery document,
// GET /.well-known/netid-configuration.
type Configuration struct {
	Issuer         string `json:"issuer"`
	JWKSURI        string `json:"jwks_uri"`
	StatusListBase string `json:"status_list_base"`
	// CredentialType is the 网证's vct (credential.VCTWangzheng).
	CredentialType  string          `json:"credential_vct"`
	DocumentTypes   []document.Type `json:"document_types"`
	ApplicationsURI string          `json:"applications_endpoint"`
	DevelopmentMode bool            `json:"development_mode,omitempty"`
	// HolderProofHeader is the HTTP header of holder proofs; DeviceProofType
	// the typ of the device proof at issuance (credential.DeviceProofType).
	HolderProofHeader  string   `json:"holder_proof_header"`
	DeviceProofType    string   `json:"device_proof_type"`
	AgeMarkers         []string `json:"age_markers"`
	DisclosableClaims  []string `json:"disclosable_claims"`
	SigningAlgorithms  []string `json:"signing_alg_values_supported"`
	StatusListEncoding string   `json:"status_list_bits"`
}

// IssuerMetadata is the SD-JWT VC issuer metadata,
// GET /.well-known/jwt-vc-issuer.
type IssuerMetadata struct {
	Issuer string             `json:"issuer"`
	JWKS   jose.JSONWebKeySet `json:"jwks"`
}

// Health answers GET /healthz (HealthOK) and GET /readyz (HealthReady).
type Health struct {
	Status string `json:"status"`
}

// Health statuses.
const (
	HealthOK    = "ok"
	HealthReady = "ready"
)

// AuditHead is the latest signed head of the verification record log,
// GET /v1/audit/head: the hash (base64url) of record Seq and the
// platform's signature over it. (Its members are in this order, which is
// the order the platform has always written.)
type AuditHead struct {
	Hash      string    `json:"hash"`
	Seq       int64     `json:"seq"`
	Signature string    `json:"signature"`
	Time      time.Time `json:"time"`
}
