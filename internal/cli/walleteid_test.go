package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/devplatform"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/wallet"
)

// payloadLine returns the line of out that starts with prefix.
func payloadLine(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no %s payload in the output:\n%s", prefix, out)
	return ""
}

// decodePNG reads the QR code in a PNG file, as the verifier page does.
func decodePNG(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	text, err := eidverify.DecodeQR(f)
	if err != nil {
		t.Fatalf("decoding the PNG: %v", err)
	}
	return text
}

func TestWalletEID(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	dp, err := devplatform.Start(ctx, devplatform.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer dp.Close()
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.json")
	walletDir := filepath.Join(dir, "wallet")
	vars := map[string]string{"NETID_WALLET": walletDir, "NETID_PASSWORD": "27418596"}
	usage := filepath.Join(dir, "usage")
	wrongUsage := filepath.Join(dir, "wrong-usage")
	for p, v := range map[string]string{usage: "482913\n", wrongUsage: "482914\n"} {
		if err := os.WriteFile(p, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The dev platform's document CA, as a verifier's trust list.
	trust := filepath.Join(dir, "trust")
	ca, err := os.ReadFile(filepath.Join(data, "dev", "documents", "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(trust, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(trust, "ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, "", vars, args...)
	}
	if code, out, errOut := run("dev", "document", "--server", dp.URL, "--name", "李四", "--number", "440524188001010014",
		"--ethnicity", "汉", "--address", "广东省汕头市潮阳区某路1号", "--out", doc); code != 0 {
		t.Fatalf("dev document: %d %s %s", code, out, errOut)
	}
	// Before a credential: no wallet.
	if code, _, errOut := run("wallet", "eid", "add", "--document", doc, "--usage-password-file", usage); code != 1 || !strings.Contains(errOut, "no credential") {
		t.Fatalf("eid add without a wallet: %d %q", code, errOut)
	}
	if code, out, errOut := run("wallet", "apply", "--server", dp.URL, "--document", doc, "--phone", "13912345678", "--dev"); code != 0 {
		t.Fatalf("wallet apply: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := run("wallet", "eid", "show", "--usage-password-file", usage); code != 1 || !strings.Contains(errOut, "no electronic ID card") {
		t.Fatalf("eid show before add: %d %q", code, errOut)
	}

	// Another person's document is refused.
	other := filepath.Join(dir, "other.json")
	otherNumber, err := document.MakeNumber18("110101", document.Date{Year: 1990, Month: 3, Day: 7}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run("dev", "document", "--server", dp.URL, "--name", "王五", "--number", otherNumber, "--out", other); code != 0 {
		t.Fatalf("dev document: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := run("wallet", "eid", "add", "--document", other, "--usage-password-file", usage); code != 1 || !strings.Contains(errOut, "not the one this credential was issued for") {
		t.Fatalf("eid add with another person's document: %d %q", code, errOut)
	}
	// A bad usage password is refused.
	bad := filepath.Join(dir, "bad-usage")
	if err := os.WriteFile(bad, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run("wallet", "eid", "add", "--document", doc, "--usage-password-file", bad); code != 1 || !strings.Contains(errOut, "six digits") {
		t.Fatalf("eid add with a five-digit usage password: %d %q", code, errOut)
	}

	code, out, errOut := run("wallet", "eid", "add", "--document", doc, "--trust", trust, "--usage-password-file", usage)
	if code != 0 || !strings.Contains(out, "authenticated against the trust list") {
		t.Fatalf("eid add: %d %s %s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "李四") || strings.Contains(out+errOut, "440524188001010014") {
		t.Fatalf("eid add prints personal data: %s %s", out, errOut)
	}

	photo := filepath.Join(dir, "photo")
	code, out, errOut = run("wallet", "eid", "show", "--usage-password-file", usage, "--photo", photo)
	if code != 0 {
		t.Fatalf("eid show: %d %s %s", code, out, errOut)
	}
	for _, want := range []string{"李四", "440524188001010014", "1880-01-01", "汉", "广东省汕头市潮阳区某路1号", "居民身份证", "开发测试签发机关", "男"} {
		if !strings.Contains(out, want) {
			t.Errorf("eid show lacks %q:\n%s", want, out)
		}
	}
	if b, err := os.ReadFile(photo); err != nil || len(b) == 0 || !(bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) || bytes.HasPrefix(b, []byte("\x89PNG"))) {
		t.Errorf("photo: %d bytes, %v", len(b), err)
	}

	// Wrong usage password: one line, no personal data.
	code, out, errOut = run("wallet", "eid", "show", "--usage-password-file", wrongUsage)
	if code != 1 || out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "wrong usage password") {
		t.Fatalf("wrong usage password: %d %q %q", code, out, errOut)
	}
	// The credential password is not the usage password.
	code, _, errOut = runCLI(t, "", map[string]string{"NETID_WALLET": walletDir, "NETID_USAGE_PASSWORD": "27418596"}, "wallet", "eid", "show")
	if code != 1 || !strings.Contains(errOut, "wrong usage password") {
		t.Fatalf("credential password as usage password: %d %q", code, errOut)
	}

	// The online QR: a payload that parses and verifies with the device
	// key, and a PNG that decodes to it.
	w, err := wallet.Open(walletDir)
	if err != nil {
		t.Fatal(err)
	}
	u, err := w.Unlock(vars["NETID_PASSWORD"])
	if err != nil {
		t.Fatal(err)
	}
	pngPath := filepath.Join(dir, "eid.png")
	before := time.Now()
	code, out, errOut = run("wallet", "eid", "qr", "--once", "--png", pngPath)
	if code != 0 {
		t.Fatalf("eid qr: %d %s %s", code, out, errOut)
	}
	if !strings.Contains(out, "█") {
		t.Errorf("eid qr prints no QR code:\n%s", out)
	}
	payload := payloadLine(t, out, eid.PrefixOnline)
	o, err := eid.ParseOnline(payload)
	if err != nil {
		t.Fatal(err)
	}
	if o.Claims.CredentialID != w.CredentialID || o.Claims.Issuer != dp.URL {
		t.Fatalf("claims %+v", o.Claims)
	}
	if err := o.Verify(&u.DeviceKey.PublicKey, before); err != nil {
		t.Fatalf("verifying with the device key: %v", err)
	}
	if err := o.Verify(&u.DeviceKey.PublicKey, before.Add(eid.Window+2*time.Second)); !errors.Is(err, eid.ErrExpired) {
		t.Fatalf("after the window: %v", err)
	}
	if got := decodePNG(t, pngPath); got != payload {
		t.Fatalf("the PNG decodes to %q, want the printed payload", got)
	}

	// The offline QR: a presentation for netid:eid disclosing what was
	// asked, in a dense PNG.
	code, out, errOut = run("wallet", "eid", "qr", "--once", "--offline", "--disclose", "age_over_18,name", "--png", pngPath, "--ascii")
	if code != 0 {
		t.Fatalf("eid qr --offline: %d %s %s", code, out, errOut)
	}
	if !strings.Contains(out, "##") {
		t.Errorf("eid qr --ascii prints no ASCII QR code")
	}
	offline := payloadLine(t, out, eid.PrefixOffline)
	if _, nonce, err := eid.ParseOffline(offline); err != nil || nonce == "" {
		t.Fatalf("ParseOffline: %v", err)
	}
	t.Logf("payload sizes: online %d bytes, offline (age_over_18, name) %d bytes", len(payload), len(offline))
	if got := decodePNG(t, pngPath); got != offline {
		t.Fatalf("the offline PNG decodes to %d bytes, want the printed %d", len(got), len(offline))
	}

	// Usage errors.
	if code, _, errOut := run("wallet", "eid", "qr", "--once", "--disclose", "name"); code != 1 || !strings.Contains(errOut, "--offline") {
		t.Fatalf("--disclose without --offline: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", map[string]string{"NETID_WALLET": walletDir, "NETID_PASSWORD": "11112222"}, "wallet", "eid", "qr", "--once"); code != 1 || !strings.Contains(errOut, "password") {
		t.Fatalf("wrong credential password: %d %q", code, errOut)
	}

	// Without --once it keeps showing codes until interrupted (the context
	// is cancelled); the test waits for the first code, not for a renewal.
	qctx, cancel := context.WithCancel(ctx)
	var qout syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(qctx, Env{Args: []string{"wallet", "eid", "qr"}, Stdin: strings.NewReader(""), Stdout: &qout, Stderr: io.Discard, Getenv: func(k string) string { return vars[k] }})
	}()
	for !strings.Contains(qout.String(), eid.PrefixOnline) {
		select {
		case code := <-done:
			t.Fatalf("eid qr exited %d before showing a code", code)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("eid qr exited %d after the interrupt", code)
	}
}
