package browsertest

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// RequireEnv, when set, turns a missing Chromium into a failure.
const RequireEnv = "NETID_REQUIRE_BROWSER"

// Chromium finds the machine's Chromium, or skips the test (fails it when
// NETID_REQUIRE_BROWSER is set).
func Chromium(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv(RequireEnv) != "" {
		t.Fatal("chromium is not installed but " + RequireEnv + " is set (apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium; set " + RequireEnv + "=1 to make this a failure)")
	return ""
}

// New starts a headless Chromium for the test, with its own profile, and
// returns its context; the browser ends with the test. opts are added to
// the allocator's options (e.g. a fake camera).
func New(t testing.TB, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	all := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(all, opts...)...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// The first run starts the browser, which lives as long as ctx: no
	// timeout here; callers give each step its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// AxeVersion is the vendored axe-core's version.
const AxeVersion = "4.14.1"

//go:embed testdata/axe-core/axe.min.js
var axeSource string

// Violation is one axe-core rule a page breaks.
type Violation struct {
	ID          string `json:"id"`
	Impact      string `json:"impact"`
	Description string `json:"description"`
	HelpURL     string `json:"helpUrl"`
	Nodes       []struct {
		Target         []any  `json:"target"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

func (v Violation) String() string {
	var targets []string
	for _, n := range v.Nodes {
		targets = append(targets, fmt.Sprint(n.Target...))
	}
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Description, strings.Join(targets, ", "))
}

// impacts orders axe-core's impact levels.
var impacts = map[string]int{"minor": 1, "moderate": 2, "serious": 3, "critical": 4}

// Above returns the violations whose impact is above level ("moderate":
// the serious and critical ones).
func Above(vs []Violation, level string) []Violation {
	var out []Violation
	for _, v := range vs {
		if impacts[v.Impact] > impacts[level] {
			out = append(out, v)
		}
	}
	return out
}

// Axe runs axe-core on the page ctx's browser shows and returns every
// violation. The script is evaluated through the DevTools protocol, which
// the page's Content-Security-Policy does not govern: the page itself
// stays as strict as it is served.
func Axe(ctx context.Context) ([]Violation, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return nil, fmt.Errorf("browsertest: looking for axe-core: %w", err)
	}
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+"\n;true")); err != nil {
			return nil, fmt.Errorf("browsertest: loading axe-core: %w", err)
		}
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("browsertest: running axe-core: %w", err)
	}
	return vs, nil
}

// Screenshot writes a full-page PNG of what ctx's browser shows to
// dir/name.png and returns its path.
func Screenshot(ctx context.Context, dir, name string) (string, error) {
	// Quality 100 is PNG (below it, JPEG).
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "", fmt.Errorf("browsertest: screenshot: %w", err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o600); err != nil {
		return "", fmt.Errorf("browsertest: screenshot: %w", err)
	}
	return p, nil
}

// Summary counts vs by impact, for a test's log: "critical 0, serious 0,
// moderate 1, minor 2".
func Summary(vs []Violation) string {
	n := map[string]int{}
	for _, v := range vs {
		n[v.Impact]++
	}
	return fmt.Sprintf("critical %d, serious %d, moderate %d, minor %d", n["critical"], n["serious"], n["moderate"], n["minor"])
}
