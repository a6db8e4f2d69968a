package wallet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/holder/proof"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/jws"
)

// maxResponse bounds every response body the client reads.
const maxResponse = 4 << 20

// defaultTimeout applies when Client.HTTP is nil.
const defaultTimeout = 30 * time.Second

// Client calls the platform's HTTP API. Its zero HTTP, Now and Rand mean
// a client with a 30 s timeout, time.Now and crypto/rand.
type Client struct {
	// BaseURL is the platform's public URL, e.g. "https://netid.example.cn";
	// it must equal the server's PublicURL, which holder proofs name.
	BaseURL string
	HTTP    *http.Client
	// Now is the clock of holder proofs.
	Now func() time.Time
	// Rand is the randomness of holder proofs.
	Rand io.Reader
	// Language is the Accept-Language of every request (the language of
	// the titles of the problems the platform answers with); empty: none,
	// and the platform answers in Chinese.
	Language string
}

var defaultHTTP = &http.Client{Timeout: defaultTimeout}

func (c *Client) base() string { return strings.TrimRight(c.BaseURL, "/") }

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) rand() io.Reader {
	if c.Rand != nil {
		return c.Rand
	}
	return rand.Reader
}

// call is one API request. path is below BaseURL and may carry a query;
// in, if not nil, is sent as JSON; out, if not nil, receives the JSON
// answer of a 2xx response.
type call struct {
	method, path string
	query        url.Values
	in, out      any
	token        string    // application bearer token
	holder       *Unlocked // sign a holder proof with this credential
}

func (c *Client) do(ctx context.Context, r call) error {
	_, body, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	if r.out == nil {
		return nil
	}
	if err := json.Unmarshal(body, r.out); err != nil {
		return fmt.Errorf("%w: %s %s: %w", ErrResponse, r.method, r.path, err)
	}
	return nil
}

// send performs r and returns the response's content type and body, or an
// error: *APIError for an error status.
func (c *Client) send(ctx context.Context, r call) (string, []byte, error) {
	target := c.base() + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.in != nil {
		b, err := json.Marshal(r.in)
		if err != nil {
			return "", nil, fmt.Errorf("wallet: encoding request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		// The URL may hold a query with personal data; name the path only.
		return "", nil, fmt.Errorf("wallet: %s %s: invalid request", r.method, r.path)
	}
	if r.in != nil {
		req.Header.Set("Content-Type", httpx.ContentTypeJSON)
	}
	req.Header.Set("Accept", httpx.ContentTypeJSON+", "+httpx.ContentTypeProblem)
	if c.Language != "" {
		req.Header.Set("Accept-Language", c.Language)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.holder != nil {
		// The proof names the whole target, query included.
		p, err := c.holderProof(r.holder, r.method, strings.TrimPrefix(target, c.base()))
		if err != nil {
			return "", nil, err
		}
		req.Header.Set(proof.Header, p)
	}
	return c.roundTrip(req, r.method, r.path)
}

func (c *Client) holderProof(u *Unlocked, method, path string) (string, error) {
	if u == nil || u.Wallet == nil || u.DeviceKey == nil {
		return "", errors.New("wallet: holder call without an unlocked wallet")
	}
	return proof.Sign(u.DeviceKey, u.Wallet.CredentialID, method, c.base()+path, c.now(), c.rand())
}

func (c *Client) roundTrip(req *http.Request, method, path string) (string, []byte, error) {
	resp, err := c.http().Do(req)
	if err != nil {
		// *url.Error repeats the URL, whose query may hold personal data.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", nil, fmt.Errorf("wallet: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return "", nil, fmt.Errorf("wallet: %s %s: reading response: %w", method, path, err)
	}
	if len(b) > maxResponse {
		return "", nil, fmt.Errorf("%w: %s %s: response larger than %d bytes", ErrResponse, method, path, maxResponse)
	}
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", nil, decodeProblem(resp.StatusCode, ct, b)
	}
	return ct, b, nil
}

// decodeProblem turns an error response into an *APIError.
func decodeProblem(status int, contentType string, body []byte) *APIError {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == httpx.ContentTypeProblem || mt == httpx.ContentTypeJSON {
		var p httpx.Problem
		if err := json.Unmarshal(body, &p); err == nil && (p.Title != "" || p.Type != "") {
			if p.Status == 0 {
				p.Status = status
			}
			return &APIError{Status: status, Type: p.Type, Title: p.Title, Detail: p.Detail, Extensions: p.Extensions}
		}
	}
	return &APIError{
		Status: status, Type: "about:blank", Title: http.StatusText(status),
		Detail: "the platform answered without a problem document",
	}
}

func appPath(id string, rest string) string {
	return "/v1/applications/" + url.PathEscape(id) + rest
}

// Configuration fetches GET /.well-known/netid-configuration.
func (c *Client) Configuration(ctx context.Context) (api.Configuration, error) {
	var out api.Configuration
	err := c.do(ctx, call{method: http.MethodGet, path: "/.well-known/netid-configuration", out: &out})
	return out, err
}

// JWKS fetches the platform's public keys, GET /.well-known/jwks.json.
func (c *Client) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	var out jws.JWKS // also reads SM2 keys, which go-jose does not
	err := c.do(ctx, call{method: http.MethodGet, path: "/.well-known/jwks.json", out: &out})
	return jose.JSONWebKeySet(out), err
}

// Health calls GET /healthz.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, call{method: http.MethodGet, path: "/healthz"})
}

// StatusListToken fetches the status list token at uri, which must be an
// http(s) URL (the credential's status reference; normally below
// BaseURL/status/).
func (c *Client) StatusListToken(ctx context.Context, uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%w: status list URI is not an http(s) URL", ErrMalformed)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return "", fmt.Errorf("wallet: status list request: %w", err)
	}
	req.Header.Set("Accept", "application/statuslist+jwt, "+httpx.ContentTypeProblem)
	_, b, err := c.roundTrip(req, http.MethodGet, u.Path)
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("%w: status list token is not a compact JWT", ErrResponse)
	}
	return tok, nil
}

// StartApplication starts an application for a document type,
// POST /v1/applications. guardian, if not nil, is the unlocked wallet of a
// guardian applying for a child under 14: the request then carries their
// holder proof.
func (c *Client) StartApplication(ctx context.Context, t document.Type, guardian *Unlocked) (api.StartedApplication, error) {
	var out api.StartedApplication
	err := c.do(ctx, call{
		method: http.MethodPost, path: "/v1/applications",
		in: api.StartRequest{DocumentType: t, OnBehalf: guardian != nil}, out: &out, holder: guardian,
	})
	if err == nil && (out.ID == "" || out.Token == "") {
		err = fmt.Errorf("%w: started application lacks id or token", ErrResponse)
	}
	return out, err
}

// GetApplication reads an application's view, GET /v1/applications/{id}.
func (c *Client) GetApplication(ctx context.Context, id, token string) (api.Application, error) {
	var out api.Application
	err := c.do(ctx, call{method: http.MethodGet, path: appPath(id, ""), token: token, out: &out})
	return out, err
}

// SubmitDocument uploads the chip container JSON,
// PUT /v1/applications/{id}/document.
func (c *Client) SubmitDocument(ctx context.Context, id, token string, chipJSON []byte) (api.Application, error) {
	var out api.Application
	err := c.do(ctx, call{method: http.MethodPut, path: appPath(id, "/document"), token: token,
		in: api.DocumentRequest{Chip: chipJSON}, out: &out})
	return out, err
}

// SubmitRelationship uploads guardian relationship evidence,
// PUT /v1/applications/{id}/relationship.
func (c *Client) SubmitRelationship(ctx context.Context, id, token, guardianWanghao, evidence string) (api.Application, error) {
	var out api.Application
	err := c.do(ctx, call{method: http.MethodPut, path: appPath(id, "/relationship"), token: token,
		in: api.RelationshipRequest{Guardian: guardianWanghao, Evidence: evidence}, out: &out})
	return out, err
}

// SubmitFace uploads a liveness attestation, POST /v1/applications/{id}/face.
func (c *Client) SubmitFace(ctx context.Context, id, token, attestation string) (api.Application, error) {
	var out api.Application
	err := c.do(ctx, call{method: http.MethodPost, path: appPath(id, "/face"), token: token,
		in: api.FaceRequest{Attestation: attestation}, out: &out})
	return out, err
}

// SendPhoneCode names the phone number to bind and has an SMS code sent,
// POST /v1/applications/{id}/phone.
func (c *Client) SendPhoneCode(ctx context.Context, id, token, phone string) error {
	return c.do(ctx, call{method: http.MethodPost, path: appPath(id, "/phone"), token: token,
		in: api.PhoneRequest{Phone: phone}})
}

// VerifyPhone submits the SMS code, POST /v1/applications/{id}/phone/verify.
func (c *Client) VerifyPhone(ctx context.Context, id, token, code string) (api.Application, error) {
	var out api.Application
	err := c.do(ctx, call{method: http.MethodPost, path: appPath(id, "/phone/verify"), token: token,
		in: api.CodeRequest{Code: code}, out: &out})
	return out, err
}

// SetPassword sets the credential password, PUT /v1/applications/{id}/password.
func (c *Client) SetPassword(ctx context.Context, id, token, password string) (api.Application, error) {
	var out api.Application
	err := c.do(ctx, call{method: http.MethodPut, path: appPath(id, "/password"), token: token,
		in: api.PasswordRequest{Password: password}, out: &out})
	return out, err
}

// IssueCredential sends the device key's proof of possession, and those
// of the batch keys, and receives the credential and its batch,
// POST /v1/applications/{id}/credential.
func (c *Client) IssueCredential(ctx context.Context, id, token, proof string, batch []string) (api.IssuedCredential, error) {
	var out api.IssuedCredential
	err := c.do(ctx, call{method: http.MethodPost, path: appPath(id, "/credential"), token: token,
		in: api.CredentialRequest{Proof: proof, Batch: batch}, out: &out})
	return out, err
}

// HolderCredential reads the platform's view of the holder's credential,
// GET /v1/holder/credential.
func (c *Client) HolderCredential(ctx context.Context, u *Unlocked) (api.CredentialInfo, error) {
	var out api.CredentialInfo
	err := c.do(ctx, call{method: http.MethodGet, path: "/v1/holder/credential", holder: u, out: &out})
	return out, err
}

// VerifyPassword checks the credential password with the platform (failures
// count towards its lockout), POST /v1/holder/password/verify.
func (c *Client) VerifyPassword(ctx context.Context, u *Unlocked, password string) error {
	return c.do(ctx, call{method: http.MethodPost, path: "/v1/holder/password/verify", holder: u,
		in: api.PasswordRequest{Password: password}})
}

// GuardianRequests lists the minors' applications waiting for this
// holder's confirmation as guardian, GET /v1/guardian/requests.
func (c *Client) GuardianRequests(ctx context.Context, u *Unlocked) ([]api.GuardianRequest, error) {
	var out api.GuardianRequestList
	err := c.do(ctx, call{method: http.MethodGet, path: "/v1/guardian/requests", holder: u, out: &out})
	return out.Requests, err
}

// DecideGuardianRequest approves or declines a minor's application,
// confirmed with the guardian's credential password,
// POST /v1/guardian/requests/{id}.
func (c *Client) DecideGuardianRequest(ctx context.Context, u *Unlocked, applicationID string, approve bool, password string) error {
	return c.do(ctx, call{method: http.MethodPost, path: "/v1/guardian/requests/" + url.PathEscape(applicationID),
		holder: u, in: api.DecisionRequest{Decision: decision(approve), Password: password}})
}

// DevMintDocument asks the development document authority for a test
// document, POST /dev/documents, and returns its chip container JSON.
func (c *Client) DevMintDocument(ctx context.Context, r api.MintRequest) ([]byte, error) {
	var out json.RawMessage
	err := c.do(ctx, call{method: http.MethodPost, path: "/dev/documents", in: r, out: &out})
	return out, err
}

// DevLatestSMS reads the development outbox's latest message to phone,
// GET /dev/sms?phone=….
func (c *Client) DevLatestSMS(ctx context.Context, phone string) (api.SMSMessage, error) {
	var out api.SMSMessage
	err := c.do(ctx, call{method: http.MethodGet, path: "/dev/sms", query: url.Values{"phone": {phone}}, out: &out})
	return out, err
}

// DevLiveness asks the development liveness provider for an attestation,
// POST /dev/liveness (the liveness.HTTPProvider protocol).
func (c *Client) DevLiveness(ctx context.Context, challenge, applicationID string, faceImageHash [32]byte) (string, error) {
	var out api.LivenessAttestation
	err := c.do(ctx, call{method: http.MethodPost, path: "/dev/liveness", out: &out, in: api.LivenessRequest{
		Challenge: challenge, ApplicationID: applicationID, FaceImageHash: b64(faceImageHash[:]),
	}})
	return out.Attestation, err
}

// DevRelationship asks the development relationship authority for evidence
// that guardianWanghao is the parent of the child childRef names,
// POST /dev/relationships.
func (c *Client) DevRelationship(ctx context.Context, guardianWanghao, childRef string) (string, error) {
	var out api.RelationshipEvidence
	err := c.do(ctx, call{method: http.MethodPost, path: "/dev/relationships", out: &out,
		in: api.RelationshipAttestRequest{Guardian: guardianWanghao, ChildRef: childRef}})
	return out.Evidence, err
}

// decision is approve's Decision.
func decision(approve bool) api.Decision {
	if approve {
		return api.DecisionApprove
	}
	return api.DecisionDecline
}
