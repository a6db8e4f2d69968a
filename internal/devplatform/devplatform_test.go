package devplatform

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestStartServesUntilClose(t *testing.T) {
	for _, tc := range []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string {
			dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
			if dsn == "" {
				t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
			}
			return dsn
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := tc.db(t)
			s, err := Start(ctx, Options{DataDir: t.TempDir(), DB: db})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || !strings.Contains(s.Describe(), s.URL) {
				t.Errorf("URL %q, described as %q", s.URL, s.Describe())
			}
			resp, err := http.Get(s.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("readyz: %s", resp.Status)
			}
			if !s.Platform.Config.Dev || s.Platform.Outbox == nil {
				t.Error("not a development platform")
			}
			schema := ""
			if db != "" {
				schema = s.Platform.Config.DB
				u, _ := url.Parse(schema)
				schema = u.Query().Get("search_path")
				if !strings.HasPrefix(schema, "netid_run_") {
					t.Fatalf("the platform does not run in a schema of its own: %q", s.Platform.Config.DB)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := http.Get(s.URL + "/readyz"); err == nil {
				t.Error("still serving after Close")
			}
			if schema != "" {
				conn, err := pgx.Connect(ctx, db)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(ctx)
				var n int
				if err := conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", schema).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					t.Errorf("schema %s is still there after Close", schema)
				}
			}
		})
	}
}
