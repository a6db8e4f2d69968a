package pgschema

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestSearchPath(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://u@127.0.0.1:5432/db?sslmode=disable", "postgres://u@127.0.0.1:5432/db?search_path=s_1&sslmode=disable"},
		{"postgresql://u@h/db", "postgresql://u@h/db?search_path=s_1"},
		{"host=127.0.0.1 dbname=db", "host=127.0.0.1 dbname=db search_path=s_1"},
	}
	for _, tc := range tests {
		got, err := searchPath(tc.dsn, "s_1")
		if err != nil || got != tc.want {
			t.Errorf("searchPath(%q) = %q, %v; want %q", tc.dsn, got, err, tc.want)
		}
	}
	const secret = "s3cret"
	if _, err := searchPath("postgres://u:"+secret+"@[::1/x", "s_1"); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("a bad URL: %v; want an error that does not quote it", err)
	}
}

// TestCreate makes a schema, uses it and drops it, on the PostgreSQL of
// NETID_TEST_POSTGRES_DSN.
func TestCreate(t *testing.T) {
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	ctx := t.Context()
	withSchema, drop, err := Create(ctx, dsn, "netid_pgschema")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, withSchema)
	if err != nil {
		t.Fatal(err)
	}
	var schema string
	err = conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema)
	conn.Close(context.Background())
	if err != nil || !strings.HasPrefix(schema, "netid_pgschema_") {
		t.Fatalf("current_schema() = %q, %v; want the new schema", schema, err)
	}
	if err := drop(); err != nil {
		t.Fatal(err)
	}
	conn, err = pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the schema %s is still there after drop (%d, %v)", schema, n, err)
	}
}

// TestCreatePoolParameters: a DSN may carry pgxpool's pool_* parameters,
// as the platform's does (sqlstore.OpenPostgres); the schema is created
// and the DSN returned keeps them for the pool.
func TestCreatePoolParameters(t *testing.T) {
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	withSchema := ForTest(t, dsn+sep+"pool_max_conns=3", "netid_pgschema")
	cfg, err := pgxpool.ParseConfig(withSchema)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxConns != 3 {
		t.Errorf("MaxConns = %d in the returned DSN, want 3", cfg.MaxConns)
	}
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var schema string
	if err := pool.QueryRow(t.Context(), "SELECT current_schema()").Scan(&schema); err != nil || !strings.HasPrefix(schema, "netid_pgschema_") {
		t.Fatalf("current_schema() = %q, %v; want the new schema", schema, err)
	}
}
