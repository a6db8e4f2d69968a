package cli

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// runVerifier runs "netid admin verifier-device …" on a data directory.
func runVerifier(t *testing.T, data string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
		if k == "NETID_DATA" {
			return data
		}
		return ""
	}}
	err := adminVerifierDevice(context.Background(), env, args)
	return out.String(), errOut.String(), err
}

var enrolLine = regexp.MustCompile(`terminal (vd_\S+) of hotel\nenrolment code: ([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})\n`)

func TestAdminVerifierDevice(t *testing.T) {
	data := dataDir(t)
	if _, errOut, err := runRP(t, data, "add", "--id", "hotel", "--name", "测试酒店", "--category", "in_person",
		"--legal-basis", "hotel: 《旅馆业治安管理办法》第六条", "--claims", "name,document_number,photo", "--auth", "client_secret_basic"); err != nil {
		t.Fatalf("rp add: %v\n%s", err, errOut)
	}
	if _, _, err := runRP(t, data, "add", "--id", "shop", "--name", "Shop", "--domain", "shop.example",
		"--redirect-uri", "https://shop.example/cb", "--claims", "age_over_18", "--auth", "client_secret_basic"); err != nil {
		t.Fatalf("rp add shop: %v", err)
	}

	out, errOut, err := runVerifier(t, data, "add", "--rp", "hotel", "--name", "前台 1")
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	m := enrolLine.FindStringSubmatch(out)
	if m == nil || !strings.Contains(errOut, "shown only this once") {
		t.Fatalf("add output:\n%s\n%s", out, errOut)
	}
	id := m[1]

	out, _, err = runVerifier(t, data, "list", "--rp", "hotel")
	if err != nil || !strings.Contains(out, id) || !strings.Contains(out, "pending") || !strings.Contains(out, "前台 1") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if strings.Contains(out, m[2]) {
		t.Fatal("list shows the enrolment code")
	}
	if out, _, err = runVerifier(t, data, "revoke", "--id", id, "--reason", "lost"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	out, _, _ = runVerifier(t, data, "list")
	if !strings.Contains(out, "revoked") || !strings.Contains(out, "operator") || !strings.Contains(out, "lost") {
		t.Fatalf("list after revoke:\n%s", out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "--rp", "hotel"}, "--rp and --name are required"},
		{[]string{"add", "--rp", "shop", "--name", "x"}, "in-person"},
		{[]string{"add", "--rp", "nobody", "--name", "x"}, "not found"},
		{[]string{"revoke", "--id", "vd_nope", "--reason", "x"}, "no such verifier device"},
		{[]string{"revoke", "--id", id}, "--id and --reason are required"},
	} {
		if _, _, err := runVerifier(t, data, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
