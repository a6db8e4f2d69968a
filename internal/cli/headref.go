package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// maxHeadRef bounds a file or answer holding a saved tree head (a
// witness's cosigned.jsonl may hold many; the last line is read).
const maxHeadRef = 16 << 20

var errHeadRef = errors.New("no signed tree head in it")

// cutFlag removes --name VALUE (or -name, =VALUE) from args and returns
// its value and the rest.
func cutFlag(args []string, name string) (string, []string, error) {
	var value string
	rest := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		flag := strings.TrimLeft(a, "-")
		if len(a)-len(flag) == 0 || len(a)-len(flag) > 2 {
			rest = append(rest, a)
			continue
		}
		switch {
		case flag == name:
			if i+1 >= len(args) {
				return "", nil, fmt.Errorf("--%s needs a value", name)
			}
			value = args[i+1]
			i++
		case strings.HasPrefix(flag, name+"="):
			value = strings.TrimPrefix(flag, name+"=")
		default:
			rest = append(rest, a)
		}
	}
	return value, rest, nil
}

// loadHead reads a signed tree head kept elsewhere, from a file or an
// http(s) URL (see parseHeadRef).
func loadHead(ctx context.Context, ref string) (string, error) {
	var b []byte
	if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref, nil)
		if err != nil {
			return "", fmt.Errorf("--against: not a valid URL")
		}
		req.Header.Set("Accept", "application/json")
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			return "", fmt.Errorf("--against: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("--against %s: status %d", ref, resp.StatusCode)
		}
		if b, err = io.ReadAll(io.LimitReader(resp.Body, maxHeadRef+1)); err != nil {
			return "", fmt.Errorf("--against: %w", err)
		}
	} else {
		f, err := os.Open(ref)
		if err != nil {
			return "", fmt.Errorf("--against: %w", err)
		}
		defer f.Close()
		if b, err = io.ReadAll(io.LimitReader(f, maxHeadRef+1)); err != nil {
			return "", fmt.Errorf("--against: %w", err)
		}
	}
	if len(b) > maxHeadRef {
		return "", fmt.Errorf("--against %s: larger than %d bytes", ref, maxHeadRef)
	}
	signed, err := parseHeadRef(b)
	if err != nil {
		return "", fmt.Errorf("--against %s: %w", ref, err)
	}
	return signed, nil
}

// parseHeadRef finds the signed tree head (a compact JWS) in b: b itself,
// or the "signature" member of a JSON object (GET /v1/audit/tree-head's
// answer, a witness's head.json), or of the last line of JSON lines (a
// witness's cosigned.jsonl). The JWS is checked by the caller.
func parseHeadRef(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 && len(b) > 0 && b[0] == '{' {
		b = bytes.TrimSpace(b[i+1:])
	}
	if len(b) == 0 {
		return "", errHeadRef
	}
	if b[0] == '{' {
		var v struct {
			Signature string `json:"signature"`
		}
		if err := json.Unmarshal(b, &v); err != nil || v.Signature == "" {
			return "", errHeadRef
		}
		b = []byte(v.Signature)
	}
	s := string(b)
	if strings.Count(s, ".") != 2 || strings.ContainsAny(s, " \t\r\n") {
		return "", errHeadRef
	}
	return s, nil
}
