package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/audit/treeproof"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// TestAuditWitness runs `netid audit witness` against a platform's public
// audit endpoints: it co-signs, reports an unchanged head, and fails
// loudly in Chinese and English once the log is rewound.
func TestAuditWitness(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	path := t.TempDir() + "/netid.db"
	store, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sealer, err := keys.NewSealer(bytes.Repeat([]byte{1}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ks := keys.NewKeySet(store, sealer, rand.Reader)
	if err := ks.Load(ctx, now); err != nil {
		t.Fatal(err)
	}
	l := &audit.Log{Store: store, Keys: ks, Now: func() time.Time { return now }}
	appendN := func(n int) {
		for range n {
			if _, err := l.Append(ctx, storage.Record{PersonID: "p", RPID: "rp", Channel: "session", Level: "basic", Outcome: "approved"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendN(3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/jwks.json":
			_ = json.NewEncoder(w).Encode(ks.JWKS(now))
		case "/v1/audit/tree-head":
			h, err := store.LatestTreeHead(r.Context())
			if err != nil {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			_ = json.NewEncoder(w).Encode(api.TreeHead{Size: h.Size, Root: base64.RawURLEncoding.EncodeToString(h.Root), Time: h.Time, Signature: h.Signature})
		case "/v1/audit/consistency":
			from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
			to, _ := strconv.ParseInt(r.URL.Query().Get("to"), 10, 64)
			p, err := audit.ConsistencyProof(r.Context(), store, from, to)
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			out := api.Consistency{From: from, To: to, Proof: []string{}}
			for _, h := range p {
				out.Proof = append(out.Proof, base64.RawURLEncoding.EncodeToString(h))
			}
			_ = json.NewEncoder(w).Encode(out)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	state := t.TempDir()
	run := func() (string, error) {
		var out, errOut bytes.Buffer
		err := auditCmd(ctx, Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}, []string{"witness", "--server", srv.URL, "--state", state})
		return out.String() + errOut.String(), err
	}
	if out, err := run(); err != nil || !strings.Contains(out, "witness: co-signed tree head 3 ") {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	if out, err := run(); err != nil || !strings.Contains(out, "witness: tree head 3 unchanged") {
		t.Fatalf("unchanged: %v\n%s", err, out)
	}
	appendN(1)
	// The newest head then: an operator can copy it from the database (or
	// the API) as it is signed.
	head4, err := store.LatestTreeHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	appendN(1)
	if out, err := run(); err != nil || !strings.Contains(out, "witness: co-signed tree head 5 ") || !strings.Contains(out, "(last seen 3)") {
		t.Fatalf("grown: %v\n%s", err, out)
	}
	// The operator cuts the newest records and their heads, and puts back
	// as the newest the head of size 4 they copied.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM records WHERE seq > 4`, nil},
		{`DELETE FROM tree_heads WHERE size > 4`, nil},
		{`UPDATE tree_tail SET size = ?, root = ?, frontier = ?, time = ?, signature = ?`,
			[]any{head4.Size, head4.Root, head4.Frontier, head4.Time.UnixMicro(), head4.Signature}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	out, err := run()
	var v verdictError
	if !errors.As(err, &v) || !errors.Is(v.error, treeproof.ErrRewound) || !strings.Contains(out, "警告") || !strings.Contains(out, "WARNING") {
		t.Fatalf("rewound: %v\n%s", err, out)
	}
	var stderr bytes.Buffer
	if err := auditCmd(ctx, Env{Stdout: &stderr, Stderr: &stderr, Getenv: func(string) string { return "" }}, []string{"witness", "--server", srv.URL}); !errors.Is(err, errUsage) {
		t.Errorf("without --state: %v", err)
	}
}
