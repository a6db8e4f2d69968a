package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
)

// runCLI runs the command line in-process and returns its exit status and
// output.
func runCLI(t *testing.T, stdin string, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), Env{
		Args:   args,
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string { return vars[k] },
	})
	return code, out.String(), errOut.String()
}

// TestUsageErrors checks the exit statuses (the scripts in cmd/netid check
// the messages): 2 for a usage error, 1 for a failure, never a stack
// trace.
func TestUsageErrors(t *testing.T) {
	missing := t.TempDir() + "/missing"
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"wallet", "apply", "--server", "http://127.0.0.1:1"}, 1, "--document and --phone are required"},
		{[]string{"verify"}, 1, "--server, --audience and --nonce are required"},
		{[]string{"dev", "document", "--name", "x", "--number", "123", "--out", "/dev/null"}, 1, "invalid"},
		{[]string{"serve", "--addr", "nope", "--face-threshold", "7"}, 1, "--face-threshold"},
		{[]string{"serve", "--no-such-flag"}, 2, ""},
		{[]string{"serve", "--profile-addr", "0.0.0.0:6060"}, 1, "--profile-addr \"0.0.0.0:6060\": want a loopback host:port"},
		{[]string{"wallet"}, 2, "usage: netid wallet"},
		{[]string{"wallet", "platforms", "remove", "bank"}, 2, "usage: netid wallet platforms"},
		{[]string{"admin", "keys"}, 2, "existing data directory"},
		{[]string{"admin", "keys", "list", "--data", missing}, 1, "no netid data"},
		{[]string{"admin", "rp", "list", "--data", missing}, 1, "no netid data"},
		{[]string{"admin", "credential", "show", "--data", missing, "--wanghao", "ABCD-EFGH-JKLM-NPQ2"}, 1, "no netid data"},
		{[]string{"admin", "audit", "verify", "--data", missing}, 1, "no netid data"},
		{[]string{"admin", "rp", "show", "--data", missing}, 2, "usage: netid admin rp show ID"},
		{[]string{"verify", "eid", "--server", "http://127.0.0.1:1", "extra"}, 2, "usage: netid verify eid"},
	}
	for _, c := range cases {
		code, out, errOut := runCLI(t, "", nil, c.args...)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("%v: exit %d, output %q %q; want exit %d mentioning %q", c.args, code, out, errOut, c.code, c.want)
		}
		if strings.Contains(errOut, "goroutine ") {
			t.Errorf("%v: stack trace in the output", c.args)
		}
	}
	if code, out, _ := runCLI(t, "", nil, "help"); code != 0 || !strings.Contains(out, "wallet") {
		t.Errorf("help: %d %q", code, out)
	}
}

// dataDir makes a data directory as netid serve's first start does: the
// database, the master key and the first signing key.
func dataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Parse("test", []string{"--data", dir}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	core, err := platform.OpenCore(context.Background(), cfg, platform.CoreOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	core.Close()
	return dir
}
