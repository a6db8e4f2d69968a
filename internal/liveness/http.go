package liveness

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/strictjson"
)

// ErrProvider is returned by HTTPProvider when the liveness service cannot
// be reached or answers with an error or a malformed response.
var ErrProvider = errors.New("liveness: provider request failed")

// maxResponse bounds the liveness service's response body.
const maxResponse = 64 << 10

// defaultHTTPTimeout applies when HTTPProvider.Client is nil.
const defaultHTTPTimeout = 30 * time.Second

// HTTPProvider calls a real liveness service. It POSTs JSON
//
//	{"challenge": "…", "application_id": "…",
//	 "face_image_hash": "<base64url, no padding>", "capture": "<base64>"}
//
// to URL, with "Authorization: Bearer <Token>" if Token is set, and expects
// 200 with JSON {"attestation": "<compact JWS>"}.
type HTTPProvider struct {
	URL   string
	Token string
	// Client is the HTTP client; nil means a client with a 30 s timeout.
	// The request also honours the context's deadline.
	Client *http.Client
}

var _ Provider = (*HTTPProvider)(nil)

type httpRequest struct {
	Challenge     string `json:"challenge"`
	ApplicationID string `json:"application_id"`
	FaceImageHash string `json:"face_image_hash"`
	Capture       string `json:"capture"`
}

type httpResponse struct {
	Attestation string `json:"attestation"`
}

// Attest asks the service to attest r. Errors wrap ErrProvider (and the
// transport's error where there is one); they include the HTTP status but
// never the response body.
func (p *HTTPProvider) Attest(ctx context.Context, r Request) (string, error) {
	body, err := json.Marshal(httpRequest{
		Challenge:     r.Challenge,
		ApplicationID: r.ApplicationID,
		FaceImageHash: encodeFaceHash(r.FaceImageHash),
		Capture:       base64.StdEncoding.EncodeToString(r.Capture),
	})
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrProvider, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrProvider, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if p.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: defaultHTTPTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrProvider, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return "", fmt.Errorf("%w: read response: %w", ErrProvider, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%w: HTTP status %d", ErrProvider, resp.StatusCode)
	}
	if len(data) > maxResponse {
		return "", fmt.Errorf("%w: response larger than %d bytes", ErrProvider, maxResponse)
	}
	var out httpResponse
	if err := strictjson.Unmarshal(data, &out, strictjson.IgnoreUnknownFields); err != nil {
		return "", fmt.Errorf("%w: response is not the expected JSON", ErrProvider)
	}
	if out.Attestation == "" || strings.ContainsAny(out.Attestation, " \t\r\n") {
		return "", fmt.Errorf("%w: response has no usable attestation", ErrProvider)
	}
	return out.Attestation, nil
}
