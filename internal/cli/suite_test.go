package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startServe runs netid serve with args until the end of t, and returns
// its public URL once it listens.
func startServe(t *testing.T, getenv func(string) string, args ...string) string {
	t.Helper()
	base, _ := startServeOutput(t, getenv, args...)
	return base
}

// startServeOutput is startServe, and also returns what serve has written
// to its standard output, which goes on filling while it runs.
func startServeOutput(t *testing.T, getenv func(string) string, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, Env{
			Args: append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), Stdin: strings.NewReader(""),
			Stdout: &out, Stderr: &errOut, Getenv: getenv,
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	listening := regexp.MustCompile(`netid listening on (\S+)`)
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			return m[1], &out
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("serve ended with %d: %s", code, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not listen: %s %s", out.String(), errOut.String())
	return "", nil
}

// runServeStopped runs netid serve with args in a subtest, which stops
// it, and returns the JWKS it served.
func runServeStopped(t *testing.T, getenv func(string) string, args ...string) (jwks map[string]any) {
	t.Helper()
	t.Run("serve", func(t *testing.T) {
		base := startServe(t, getenv, args...)
		resp, err := http.Get(base + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&jwks); err != nil {
			t.Fatal(err)
		}
	})
	return jwks
}

// netid serve --crypto-suite sm signs with SM2 keys; started again on its
// data with es256, by flag, by environment or by default, it refuses in a
// line that names the suite to start with; with sm again it starts.
func TestServeCryptoSuite(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	none := func(string) string { return "" }
	jwks := runServeStopped(t, none, "--data", data, "--crypto-suite", "sm")
	keys, _ := jwks["keys"].([]any)
	var crvs []string
	for _, k := range keys {
		m, _ := k.(map[string]any)
		if crv, ok := m["crv"].(string); ok {
			crvs = append(crvs, crv)
		}
	}
	if len(crvs) != 1 || crvs[0] != "SM2" {
		t.Fatalf("the JWKS of an sm platform holds the EC curves %v, want one SM2 key", crvs)
	}

	for name, c := range map[string]struct {
		vars map[string]string
		args []string
	}{
		"flag":        {nil, []string{"--crypto-suite", "es256"}},
		"environment": {map[string]string{"NETID_CRYPTO_SUITE": "es256"}, nil},
		"default":     {nil, nil},
	} {
		code, _, stderr := runCLI(t, "", c.vars, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, c.args...)...)
		msg := strings.TrimSpace(stderr)
		if code != 1 || !strings.Contains(msg, `crypto suite "sm"`) || !strings.Contains(msg, "--crypto-suite sm") || strings.Count(msg, "\n") > 0 {
			t.Errorf("%s: restarted with es256: exit %d, stderr %q", name, code, stderr)
		}
	}
	if jwks := runServeStopped(t, none, "--data", data, "--crypto-suite", "sm"); len(jwks["keys"].([]any)) == 0 {
		t.Error("restarted with sm: no keys")
	}

	code, _, stderr := runCLI(t, "", nil, "serve", "--data", data, "--crypto-suite", "sm3")
	if msg := strings.TrimSpace(stderr); code != 1 || !strings.Contains(msg, `--crypto-suite "sm3": want es256 or sm`) || strings.Count(msg, "\n") > 0 {
		t.Errorf("--crypto-suite sm3: exit %d, stderr %q", code, stderr)
	}
}
