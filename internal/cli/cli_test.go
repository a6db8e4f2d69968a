package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/devplatform"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
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

// TestCommands drives the separate commands against a running dev
// platform, as scripts/demo.sh does.
func TestCommands(t *testing.T) {
	ctx := context.Background()
	dp, err := devplatform.Start(ctx, devplatform.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer dp.Close()
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.json")
	vars := map[string]string{"NETID_WALLET": filepath.Join(dir, "wallet"), "NETID_PASSWORD": "27418596"}

	code, out, errOut := runCLI(t, "", vars, "dev", "document", "--server", dp.URL, "--name", "李四", "--number", "440524188001010014", "--out", doc)
	if code != 0 || !strings.Contains(out, "wrote") {
		t.Fatalf("dev document: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", vars, "wallet", "apply", "--server", dp.URL, "--document", doc, "--phone", "13912345678", "--dev")
	if code != 0 || !strings.Contains(out, "issued: 网号") {
		t.Fatalf("wallet apply: %d %s %s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "", vars, "wallet", "apply", "--server", dp.URL, "--document", doc, "--phone", "13912345678", "--dev")
	if code != 1 || !strings.Contains(errOut, "--replace") {
		t.Fatalf("applying over an existing wallet without --replace: exit %d", code)
	}
	code, out, errOut = runCLI(t, "", vars, "wallet", "show")
	if code != 0 || !regexp.MustCompile(`status\s+valid`).MatchString(out) || !strings.Contains(out, "****") {
		t.Fatalf("wallet show: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", vars, "wallet", "present", "--audience", "https://shop.example", "--nonce", "n-42", "--disclose", "age_over_18,age_over_60")
	if code != 0 {
		t.Fatalf("wallet present: %d %s", code, errOut)
	}
	presentation := out
	code, out, _ = runCLI(t, presentation, nil, "verify", "--server", dp.URL, "--audience", "https://shop.example", "--nonce", "n-42")
	if code != 0 || !strings.Contains(out, "VALID") || !strings.Contains(out, "age_over_18: true") || !strings.Contains(out, "age_over_60: true") || strings.Contains(out, "name") {
		t.Fatalf("verify: %d %s", code, out)
	}
	for name, args := range map[string][]string{
		"wrong nonce":    {"verify", "--server", dp.URL, "--audience", "https://shop.example", "--nonce", "n-43"},
		"wrong audience": {"verify", "--server", dp.URL, "--audience", "https://other.example", "--nonce", "n-42"},
	} {
		code, out, _ = runCLI(t, presentation, nil, args...)
		if code != 1 || !strings.HasPrefix(out, "INVALID: ") {
			t.Errorf("%s: exit %d, %q", name, code, out)
		}
	}
	// Wrong password: a one-line error, no stack trace.
	code, _, errOut = runCLI(t, "", map[string]string{"NETID_WALLET": vars["NETID_WALLET"], "NETID_PASSWORD": "11112222"}, "wallet", "present", "--audience", "a", "--nonce", "b")
	if code != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "password") {
		t.Fatalf("wrong password: %d %q", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
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

func TestAdminKeysRotate(t *testing.T) {
	data := dataDir(t)
	code, out, errOut := runCLI(t, "", nil, "admin", "keys", "list", "--data", data)
	if code != 0 || strings.Count(out, "signing") != 1 {
		t.Fatalf("list on a new data directory: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", nil, "admin", "keys", "rotate", "--data", data)
	if code != 0 || !strings.Contains(out, "new signing key") || strings.Count(out, "signing") != 2 || !strings.Contains(out, "retired") {
		t.Fatalf("rotate: %d %q %q", code, out, errOut)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeStartsAndShutsDownGracefully(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, Env{Args: []string{"serve", "--addr", "127.0.0.1:0", "--data", data}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	}()
	re := regexp.MustCompile(`netid listening on (http://127\.0\.0\.1:\d+)`)
	var url string
	for i := 0; i < 500 && url == ""; i++ {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if url == "" {
		t.Fatalf("serve did not print its address: %q %q", out.String(), errOut.String())
	}
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %s", resp.Status)
	}
	// Without --dev the development authorities do not exist.
	resp, err = http.Post(url+"/dev/documents", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/dev/documents without --dev: %s", resp.Status)
	}
	for _, f := range []string{"netid.db", "master.key"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Errorf("first start did not create %s: %v", f, err)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d after shutdown: %s", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// TestMinorsWithCommands: a parent applies for a child under 14 from their
// own wallet, and confirms a 16-year-old's application from it.
func TestMinorsWithCommands(t *testing.T) {
	ctx := context.Background()
	dp, err := devplatform.Start(ctx, devplatform.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer dp.Close()
	dir := t.TempDir()
	today := time.Now()
	mint := func(name string, birth document.Date, seq int) string {
		number, err := document.MakeNumber18("110105", birth, seq)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".json")
		if code, out, errOut := runCLI(t, "", nil, "dev", "document", "--server", dp.URL, "--name", name, "--number", number, "--out", path); code != 0 {
			t.Fatalf("dev document: %s %s", out, errOut)
		}
		return path
	}
	parentWallet := filepath.Join(dir, "parent")
	vars := map[string]string{"NETID_PASSWORD": "27418596", "NETID_GUARDIAN_PASSWORD": "27418596"}
	apply := func(wallet string, args ...string) (int, string, string) {
		return runCLI(t, "", vars, append([]string{"wallet", "apply", "--server", dp.URL, "--dev", "--wallet", wallet}, args...)...)
	}
	if code, out, errOut := apply(parentWallet, "--document", mint("父亲", document.Date{Year: 1980, Month: 5, Day: 5}, 11), "--phone", "13900000001"); code != 0 {
		t.Fatalf("parent: %s %s", out, errOut)
	}
	_, show, _ := runCLI(t, "", vars, "wallet", "show", "--full", "--wallet", parentWallet)
	parentWH := regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`).FindString(show)
	if parentWH == "" {
		t.Fatalf("wallet show --full: %q", show)
	}

	child := mint("孩子", document.Date{Year: today.Year() - 8, Month: 1, Day: 2}, 13)
	if code, _, errOut := apply(filepath.Join(dir, "alone"), "--document", child, "--phone", "13900000002"); code != 1 || !strings.Contains(errOut, "guardian") {
		t.Fatalf("a child applying alone: %d %s", code, errOut)
	}
	if code, out, errOut := apply(filepath.Join(dir, "child"), "--document", child, "--phone", "13900000002", "--on-behalf-wallet", parentWallet); code != 0 || !strings.Contains(out, "issued") {
		t.Fatalf("parent applying for the child: %d %s %s", code, out, errOut)
	}

	teenWallet := filepath.Join(dir, "teen")
	teen := mint("少年", document.Date{Year: today.Year() - 16, Month: 1, Day: 2}, 15)
	if code, out, errOut := apply(teenWallet, "--document", teen, "--phone", "13900000003", "--guardian", parentWH); code != 0 || !strings.Contains(out, "waiting for the guardian") {
		t.Fatalf("teen: %d %s %s", code, out, errOut)
	}
	_, list, _ := runCLI(t, "", vars, "wallet", "guardian", "list", "--wallet", parentWallet)
	appID := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`).FindString(list)
	if appID == "" || !strings.Contains(list, "16") || strings.Contains(list, "少年") {
		t.Fatalf("guardian list: %q", list)
	}
	if code, out, errOut := runCLI(t, "", vars, "wallet", "guardian", "approve", appID, "--wallet", parentWallet); code != 0 {
		t.Fatalf("approve: %s %s", out, errOut)
	}
	if code, out, errOut := runCLI(t, "", vars, "wallet", "apply", "--resume", "--wallet", teenWallet); code != 0 || !strings.Contains(out, "issued") {
		t.Fatalf("resume: %d %s %s", code, out, errOut)
	}
}

// TestApproveWithCommands: a relying party's session approved with
// `netid wallet approve`, then seen in `netid wallet history`.
func TestApproveWithCommands(t *testing.T) {
	ctx := context.Background()
	dp, err := devplatform.Start(ctx, devplatform.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer dp.Close()
	dir := t.TempDir()
	vars := map[string]string{"NETID_WALLET": filepath.Join(dir, "wallet"), "NETID_PASSWORD": "27418596"}
	doc := filepath.Join(dir, "doc.json")
	if code, out, errOut := runCLI(t, "", vars, "dev", "document", "--server", dp.URL, "--name", "王五", "--number", "11010519491231002X", "--out", doc); code != 0 {
		t.Fatalf("%s %s", out, errOut)
	}
	if code, out, errOut := runCLI(t, "", vars, "wallet", "apply", "--server", dp.URL, "--document", doc, "--phone", "13911112222", "--dev"); code != 0 {
		t.Fatalf("%s %s", out, errOut)
	}
	dp.Platform.Registry.Params = password.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32}
	rp, _, err := dp.Platform.Registry.Register(ctx, relyingparty.Registration{
		ID: "bank", Name: "示例银行", Category: storage.CategoryInternetService, LegalBasis: "《反洗钱法》",
		Domains: []string{"bank.example"}, AllowedClaims: []string{"age_over_18", "name"}, AuthMethod: storage.AuthClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	newSession := func(level string) verification.Created {
		c, err := dp.Platform.Verification.CreateSession(ctx, rp, verification.Request{Level: verification.Level(level), Claims: []string{"age_over_18", "name"}, Purpose: "开户"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := newSession("password")
	code, out, errOut := runCLI(t, "", vars, "wallet", "approve", c.Link.String(), "--yes", "--plaintext", "withhold")
	if code != 0 || !strings.Contains(out, "示例银行 (bank.example) asks to verify you") || !strings.Contains(out, "SEPARATELY") || !strings.Contains(out, "approved at level password: shared verified, sub, age_over_18") {
		t.Fatalf("approve: %d %s %s", code, out, errOut)
	}
	sess, err := dp.Platform.Verification.Get(ctx, "bank", c.Session.ID)
	if err != nil || sess.State != "approved" || strings.Contains(strings.Join(sess.Provided, ","), "name") {
		t.Fatalf("session after approve: %+v %v", sess, err)
	}
	// Replaying the link fails cleanly.
	code, _, errOut = runCLI(t, "", vars, "wallet", "approve", c.Link.String(), "--yes")
	if code != 1 || !strings.Contains(errOut, "already ended") {
		t.Fatalf("replayed link: %d %q", code, errOut)
	}
	c = newSession("")
	if code, out, errOut := runCLI(t, "", vars, "wallet", "approve", "--decline", c.Link.HTTPS()); code != 0 || !strings.Contains(out, "declined") {
		t.Fatalf("decline via the https link: %d %s %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", vars, "wallet", "history")
	if code != 0 || strings.Count(out, "示例银行") != 2 || !strings.Contains(out, "declined") || !strings.Contains(out, "approved") {
		t.Fatalf("history: %d %s", code, out)
	}
}
