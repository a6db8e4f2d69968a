package cli

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/devplatform"
	"github.com/netid-project/netid/internal/document"
)

// TestReproofCommands: new device, forgotten password, new phone and the
// lost-device recovery through the wallet commands against a dev platform.
func TestReproofCommands(t *testing.T) {
	ctx := context.Background()
	dp, err := devplatform.Start(ctx, devplatform.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer dp.Close()
	dir := t.TempDir()
	number, err := document.MakeNumber18("110105", document.Date{Year: 1979, Month: 9, Day: 9}, 21)
	if err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(dir, "doc.json")
	if code, out, errOut := runCLI(t, "", nil, "dev", "document", "--server", dp.URL, "--name", "李四", "--number", number, "--out", doc); code != 0 {
		t.Fatalf("dev document: %s %s", out, errOut)
	}
	pw := map[string]string{"NETID_PASSWORD": "27418596"}
	first := filepath.Join(dir, "phone-1")
	if code, out, errOut := runCLI(t, "", pw, "wallet", "apply", "--server", dp.URL, "--dev", "--wallet", first, "--document", doc, "--phone", "13900000011"); code != 0 {
		t.Fatalf("apply: %s %s", out, errOut)
	}
	_, show, _ := runCLI(t, "", pw, "wallet", "show", "--full", "--wallet", first)
	wh := regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`).FindString(show)
	if wh == "" {
		t.Fatalf("wallet show --full: %q", show)
	}
	works := func(wallet string) bool {
		code, _, _ := runCLI(t, "", pw, "wallet", "history", "--wallet", wallet)
		return code == 0
	}
	run := func(vars map[string]string, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, "", vars, append(args, "--server", dp.URL, "--dev")...)
		if code != 0 {
			t.Fatalf("%s: %d %s %s", args[1], code, out, errOut)
		}
		return out
	}

	// A new device.
	second := filepath.Join(dir, "phone-2")
	if out := run(pw, "wallet", "device", "--wanghao", wh, "--phone", "13900000011", "--wallet", second); !strings.Contains(out, "issued") {
		t.Errorf("device: %q", out)
	}
	if works(first) || !works(second) {
		t.Fatal("after the device change the old device must fail and the new one work")
	}
	// Refusals say what was wrong in one line.
	code, _, errOut := runCLI(t, "", pw, "wallet", "device", "--wanghao", wh, "--phone", "13900000099", "--wallet", filepath.Join(dir, "x"), "--server", dp.URL, "--dev")
	if code != 1 || !strings.Contains(errOut, "not the phone number linked") || strings.Count(strings.TrimSpace(errOut), "\n") > 3 {
		t.Errorf("device with another phone: %d %q", code, errOut)
	}

	// A forgotten password, then a new phone (with the new password).
	newPW := map[string]string{"NETID_PASSWORD": "58203614"}
	if out := run(newPW, "wallet", "forgot-password", "--wanghao", wh, "--phone", "13900000011"); !strings.Contains(out, "new credential password set") {
		t.Errorf("forgot-password: %q", out)
	}
	if out := run(newPW, "wallet", "new-phone", "--wanghao", wh, "--phone", "13900000012"); !strings.Contains(out, "linked") {
		t.Errorf("new-phone: %q", out)
	}

	// The device is lost: suspend, resume, re-issue from the document.
	recover := func(action string, wallet string) string {
		return run(newPW, "wallet", "recover", "--document", doc, "--phone", "13900000012", "--action", action, "--wallet", wallet)
	}
	if out := recover("suspend", filepath.Join(dir, "none")); !strings.Contains(out, "suspended") {
		t.Errorf("recover suspend: %q", out)
	}
	if works(second) {
		t.Fatal("a suspended credential still works")
	}
	recover("resume", filepath.Join(dir, "none"))
	if !works(second) {
		t.Fatal("the resumed credential does not work")
	}
	third := filepath.Join(dir, "phone-3")
	if out := recover("reissue", third); !strings.Contains(out, "issued") {
		t.Errorf("recover reissue: %q", out)
	}
	if works(second) || !runOK(t, newPW, "wallet", "history", "--wallet", third) {
		t.Error("after the re-issue the lost device must fail and the new one work")
	}
}

func runOK(t *testing.T, vars map[string]string, args ...string) bool {
	code, _, _ := runCLI(t, "", vars, args...)
	return code == 0
}
