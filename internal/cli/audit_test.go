package cli

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/storage"
)

func runAudit(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := adminAudit(context.Background(), Env{
		Stdout: &out, Stderr: &errOut, Stdin: strings.NewReader(""),
		Getenv: func(string) string { return "" },
	}, args)
	return out.String(), errOut.String(), err
}

// TestAdminAudit writes 7 records (heads at 2, 4, 6) across a key rotation,
// the old key no longer published, then verifies, prints the head, and
// tampers.
func TestAdminAudit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, err := config.Parse("test", []string{"--data", dir}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	store, ks, now := core.Store, core.Keys, time.Now()
	_, oldKID := ks.Signer()
	l := &audit.Log{Store: store, Keys: ks, HeadEvery: 2}
	for i := range 7 {
		if i == 4 {
			if _, err := ks.Rotate(ctx, now); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Append(ctx, storage.Record{PersonID: "p", RPID: "rp", Channel: "session", Level: "basic", Outcome: "approved"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.UpdateSigningKey(ctx, oldKID, func(k storage.SigningKey) (storage.SigningKey, error) {
		k.PublishUntil = now.Add(-time.Hour)
		return k, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := ks.Reload(ctx, now); err != nil {
		t.Fatal(err)
	}
	if set := ks.JWKS(now); len(set.Key(oldKID)) != 0 {
		t.Fatal("the old key is still published")
	}
	store.Close()

	out, errOut, err := runAudit(t, "verify", "--data", dir)
	if err != nil || !strings.HasPrefix(out, "audit: OK: 7 records, 3 signed heads, log head 7 ") {
		t.Fatalf("verify: %v\n%s%s", err, out, errOut)
	}
	out, _, err = runAudit(t, "head", "--data", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 2 || !strings.HasPrefix(lines[0], "log head 6 ") || strings.Count(lines[1], ".") != 2 {
		t.Fatalf("head: %v\n%s", err, out)
	}

	db, err := sql.Open("sqlite", cfg.SQLitePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE records SET outcome = 'declined' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM records WHERE seq = 5`); err != nil {
		t.Fatal(err)
	}
	out, _, err = runAudit(t, "verify", "--data", dir)
	var v verdictError
	if !errors.As(err, &v) || !errors.Is(v.error, audit.ErrTampered) {
		t.Errorf("verify of a tampered log: %v, want a verdict wrapping ErrTampered", err)
	}
	// The one stored tree head, the newest (7), is now beyond the end.
	for _, want := range []string{"audit: seq 3: altered: ", "audit: seq 5: removed: ", "audit: seq 7: truncated: ", "audit: FAILED: 3 problems"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestAdminAuditErrors(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := runAudit(t, "verify", "--data", filepath.Join(dir, "nope")); !errors.Is(err, platform.ErrNoData) || !strings.Contains(err.Error(), "no database") {
		t.Errorf("verify without a database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("verify on a mistyped data directory created it: %v", err)
	}
	if _, _, err := runAudit(t, "verify", "--bogus"); !errors.Is(err, errUsage) {
		t.Errorf("unknown flag: %v, want errUsage", err)
	}
	if _, _, err := runAudit(t, "nope"); !errors.Is(err, errUsage) {
		t.Errorf("unknown subcommand: %v, want errUsage", err)
	}
	// An empty log verifies and has no head.
	dir = dataDir(t)
	if out, _, err := runAudit(t, "verify", "--data", dir); err != nil || out != "audit: OK: 0 records, 0 signed heads, log head 0 -\naudit: OK: 0 signed tree heads, tree root -\n" {
		t.Errorf("empty log: %v %q", err, out)
	}
	if _, _, err := runAudit(t, "head", "--data", dir); err == nil || !strings.Contains(err.Error(), "no signed head") {
		t.Errorf("head of an empty log: %v", err)
	}
}

// TestAdminAuditUnrecordedSession: an ended session whose record is not in
// the log (a record deleted, or older data written before sessions ended
// with their record) fails the audit, naming the session; one recorded
// with its ID passes.
func TestAdminAuditUnrecordedSession(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, err := config.Parse("test", []string{"--data", dir}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, id := range []string{"s-recorded", "s-orphan"} {
		if err := core.Store.CreateSession(ctx, storage.Session{ID: id, RPID: "rp", Channel: "session", Level: "possession",
			State: storage.SessionApproved, PersonID: "p", CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := core.Records.Append(ctx, storage.Record{ID: "s-recorded", PersonID: "p", RPID: "rp", Channel: "session", Level: "possession", Outcome: "approved"}); err != nil {
		t.Fatal(err)
	}
	core.Close()
	out, _, err := runAudit(t, "verify", "--data", dir)
	var v verdictError
	if !errors.As(err, &v) || !errors.Is(v.error, audit.ErrTampered) {
		t.Fatalf("verify with a session without its record: %v\n%s", err, out)
	}
	if !strings.Contains(out, "audit: session s-orphan (approved, ended ") || strings.Contains(out, "s-recorded") || !strings.Contains(out, "audit: FAILED: 1 problems") {
		t.Fatalf("output:\n%s", out)
	}
}

// TestAdminAuditTailCut: the newest record removed from the database is
// found by verify (a tree head is signed with every record); the newest
// records removed together with every head over them are found with
// --against a head saved before (a file, or a URL serving it).
func TestAdminAuditTailCut(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, err := config.Parse("test", []string{"--data", dir}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	l := &audit.Log{Store: core.Store, Keys: core.Keys, HeadEvery: 2}
	var head4 storage.TreeHead
	for i := range 7 {
		if _, err := l.Append(ctx, storage.Record{PersonID: "p", RPID: "rp", Channel: "session", Level: "basic", Outcome: "approved"}); err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			// The newest head then: an operator can copy it from the
			// database (or the API) as it is signed.
			if head4, err = core.Store.LatestTreeHead(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	latest, err := core.Store.LatestTreeHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	core.Store.Close()
	// An auditor saves the newest head as the API serves it; a witness's
	// co-signed list holds it on its last line.
	saved := filepath.Join(t.TempDir(), "head.json")
	if err := os.WriteFile(saved, []byte(`{"size":7,"root":"x","signature":"`+latest.Signature+`"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cosigned := filepath.Join(t.TempDir(), "cosigned.jsonl")
	if err := os.WriteFile(cosigned, []byte(`{"signature":"a.b.c"}`+"\n"+`{"size":7,"signature":"`+latest.Signature+`","cosignature":"x.y.z"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"size":7,"root":"x","time":"2026-01-01T00:00:00Z","signature":%q}`, latest.Signature)
	}))
	defer srv.Close()
	for _, ref := range []string{saved, cosigned, srv.URL + "/v1/audit/tree-head"} {
		if out, errOut, err := runAudit(t, "verify", "--data", dir, "--against", ref); err != nil || !strings.Contains(out, "audit: OK: the log extends the tree head given") {
			t.Fatalf("verify --against %s of the untouched log: %v\n%s%s", ref, err, out, errOut)
		}
	}

	db, err := sql.Open("sqlite", cfg.SQLitePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`DELETE FROM records WHERE seq = 7`)
	out, _, err := runAudit(t, "verify", "--data", dir)
	var v verdictError
	if !errors.As(err, &v) || !strings.Contains(out, "audit: seq 7: truncated: ") {
		t.Fatalf("verify after the newest record was removed: %v\n%s", err, out)
	}

	// The operator also removes every head over the removed records, and
	// puts back as the newest the head of size 4 they copied when it was:
	// the database alone is consistent again, the saved head is not.
	exec(`DELETE FROM records WHERE seq > 4`)
	exec(`DELETE FROM tree_heads WHERE size > 4`)
	exec(`DELETE FROM heads WHERE seq > 4`)
	exec(`UPDATE tree_tail SET size = ?, root = ?, frontier = ?, time = ?, signature = ?`,
		head4.Size, head4.Root, head4.Frontier, head4.Time.UnixMicro(), head4.Signature)
	if out, _, err := runAudit(t, "verify", "--data", dir); err != nil {
		t.Fatalf("verify of the cut log without a saved head: %v\n%s (the database alone cannot show this cut)", err, out)
	}
	for _, ref := range []string{saved, cosigned, srv.URL + "/v1/audit/tree-head"} {
		out, _, err := runAudit(t, "verify", "--data", dir, "--against", ref)
		if !errors.As(err, &v) || !strings.Contains(out, "audit: seq 5-7: truncated: the log holds 4 records but the given tree head covers 7") {
			t.Errorf("verify --against %s after the cut: %v\n%s", ref, err, out)
		}
	}
	for _, bad := range []string{filepath.Join(dir, "nope"), saved + ".nope"} {
		if _, _, err := runAudit(t, "verify", "--data", dir, "--against", bad); err == nil {
			t.Errorf("--against %s: no error", bad)
		}
	}
	if _, _, err := runAudit(t, "verify", "--data", dir, "--against"); !errors.Is(err, errUsage) {
		t.Errorf("--against without a value: %v", err)
	}
}

func FuzzParseHeadRef(f *testing.F) {
	f.Add([]byte("eyJ.eyJ.sig"))
	f.Add([]byte(`{"signature":"a.b.c"}`))
	f.Add([]byte("{\"signature\":\"a.b.c\"}\n{\"signature\":\"d.e.f\"}\n"))
	f.Add([]byte(`{"signature":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseHeadRef(b)
		if err != nil {
			return
		}
		if strings.Count(s, ".") != 2 || strings.ContainsAny(s, " \t\r\n") {
			t.Fatalf("parseHeadRef(%q) = %q", b, s)
		}
	})
}
