package server

import (
	"net/http/httptest"
	"testing"
)

// The session QR code is fetched by people's browsers (an <img> on the
// relying party's page), without client authentication: it must be
// limited per address, not counted as a relying party's server-to-server
// call. The rest of the session API stays server to server.
func TestVerificationQRIsLimitedPerAddress(t *testing.T) {
	for path, s2s := range map[string]bool{
		"/v1/verifications":              true,
		"/v1/verifications/abc":          true,
		"/v1/verifications/abc/qr":       false,
		"/v1/verifications/abc/qr/extra": true,
		"/v1/eid/verify":                 true,
		"/wallet/verify":                 false,
	} {
		if got := ServerToServer(httptest.NewRequest("GET", path+"?code=x", nil)); got != s2s {
			t.Errorf("ServerToServer(%s) = %v, want %v", path, got, s2s)
		}
	}
}
