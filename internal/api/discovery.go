package api

import (
	"time"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/jws"
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
	HolderProofHeader string   `json:"holder_proof_header"`
	DeviceProofType   string   `json:"device_proof_type"`
	AgeMarkers        []string `json:"age_markers"`
	DisclosableClaims []string `json:"disclosable_claims"`
	// SigningAlgorithms holds the one JWS algorithm of the platform's
	// crypto suite: what signs its credentials, status lists and session
	// results, and what the device and holder keys it binds must use
	// ("ES256", or "SM2" on an sm deployment, docs/sm-profile.md). A
	// wallet makes its device keys for it.
	SigningAlgorithms  []string `json:"signing_alg_values_supported"`
	StatusListEncoding string   `json:"status_list_bits"`
}

// IssuerMetadata is the SD-JWT VC issuer metadata,
// GET /.well-known/jwt-vc-issuer.
type IssuerMetadata struct {
	Issuer string `json:"issuer"`
	// JWKS may hold SM2 keys, which jws.JWKS writes and reads.
	JWKS jws.JWKS `json:"jwks"`
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

// TreeHead is a signed head of the Merkle tree (RFC 9162) over the
// verification record log, GET /v1/audit/tree-head: the tree's Size
// (records 1 to Size), its Root (base64url), and Signature, the compact
// JWS (typ netid-tree-head+jwt, ES256, the platform's kid) over
// {"size", "root", "iat"}. A head is signed with every record appended;
// a party keeps the newest one it saw and checks the next one extends it
// (GET /v1/audit/consistency).
type TreeHead struct {
	Size      int64     `json:"size"`
	Root      string    `json:"root"`
	Time      time.Time `json:"time"`
	Signature string    `json:"signature"`
}

// Consistency answers GET /v1/audit/consistency?from=M&to=N: the RFC 9162
// consistency proof (base64url hashes) that the tree of N records extends
// the tree of M (1 <= M <= N <= the newest size).
type Consistency struct {
	From  int64    `json:"from"`
	To    int64    `json:"to"`
	Proof []string `json:"proof"`
}
