package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/pgschema"
	"github.com/netid-project/netid/internal/storage"
)

// dsnEnv names the environment variable with the test server's DSN.
const dsnEnv = "NETID_TEST_POSTGRES_DSN"

func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		tb.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	return dsn
}

// newSchema creates a fresh schema, dropped at cleanup, and returns a DSN
// whose connections use it.
func newSchema(tb testing.TB) string {
	tb.Helper()
	return pgschema.ForTest(tb, testDSN(tb), "netid_test")
}

func TestOpenPostgresErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	const secret = "s3cret-password"
	tests := []struct {
		dsn     string
		invalid bool
	}{
		{"postgres://user:" + secret + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", false},
		{"postgres://user:" + secret + "@[::1/x", true},
		{"host=127.0.0.1 port=notaport password=" + secret, true},
	}
	for i, tc := range tests {
		_, err := OpenPostgres(ctx, tc.dsn)
		if err == nil {
			t.Fatalf("OpenPostgres #%d of a bad DSN succeeded", i)
		}
		if got := errors.Is(err, ErrInvalidDSN); got != tc.invalid {
			t.Errorf("OpenPostgres #%d: errors.Is(%v, ErrInvalidDSN) = %v, want %v", i, err, got, tc.invalid)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("OpenPostgres #%d error reveals the password: %v", i, err)
		}
	}
}

// TestPostgresPoolSettings checks that pgxpool's pool parameters in the
// DSN keep their meaning.
func TestPostgresPoolSettings(t *testing.T) {
	db, err := connectPostgres(t.Context(), "postgres://user@127.0.0.1:1/db?pool_max_conns=3")
	if err != nil {
		t.Fatalf("connectPostgres: %v", err)
	}
	defer db.close()
	if got := db.(pgxPool).p.Config().MaxConns; got != 3 {
		t.Errorf("MaxConns = %d, want 3", got)
	}
}

// TestPostgresStatementCache checks that the hot statements are prepared
// once per connection and reused (pgx's statement cache, its default
// query mode): after a session is claimed and read on a pool of one
// connection, the connection holds them prepared, and running them again
// prepares nothing new.
func TestPostgresStatementCache(t *testing.T) {
	dsn := newSchema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Skip("the DSN is not a URL")
	}
	q := u.Query()
	q.Set("pool_max_conns", "1")
	u.RawQuery = q.Encode()
	s, err := OpenPostgres(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	now := time.Now()
	prepared := func() int {
		var n int
		if err := s.queryRow(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'UPDATE sessions SET%' OR statement LIKE 'SELECT id, rp_id, channel%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	run := func(i int) {
		id := fmt.Sprintf("s-%d", i)
		code := []byte("code " + id)
		if err := s.CreateSession(ctx, storage.Session{ID: id, CodeHash: code, State: storage.SessionPending, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimSession(ctx, storage.SessionClaim{CodeHash: code, CredentialID: "c", PersonID: "p", Now: now}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSessionByCode(ctx, code); err != nil {
			t.Fatal(err)
		}
	}
	run(1)
	first := prepared()
	if first < 2 {
		t.Fatalf("%d of the session statements are prepared on the connection, want the claim and the read", first)
	}
	run(2)
	if again := prepared(); again != first {
		t.Fatalf("running the statements again prepared %d more", again-first)
	}
}
