package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/conformance"
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

// withSearchPath returns dsn with search_path set to schema (pgx passes
// unknown settings to the server as run-time parameters).
func withSearchPath(tb testing.TB, dsn, schema string) string {
	tb.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("%s is not a valid URL", dsnEnv)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// newSchema creates a fresh schema, dropped at cleanup, and returns a DSN
// whose connections use it.
func newSchema(tb testing.TB) string {
	tb.Helper()
	dsn := testDSN(tb)
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatalf("rand: %v", err)
	}
	schema := "netid_test_" + hex.EncodeToString(b)
	ctx := tb.Context()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("cleanup: connect: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("cleanup: drop schema: %v", err)
		}
	})
	return withSearchPath(tb, dsn, schema)
}

func openTest(tb testing.TB) *Storage {
	tb.Helper()
	dsn := newSchema(tb)
	s, err := Open(tb.Context(), dsn)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	open := func(t *testing.T) storage.Storage { return openTest(t) }
	conformance.RunTests(t, open)
	t.Run("Concurrency", func(t *testing.T) {
		conformance.RunConcurrencyTests(t, open)
	})
}

// TestReopen checks that migrations are idempotent across restarts.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	dsn := newSchema(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.CreateCode(ctx, storage.Code{ID: "c1", Subject: "s"}); err != nil {
		t.Fatalf("CreateCode: %v", err)
	}
	_ = s.Close()
	s, err = Open(ctx, dsn)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if _, err := s.LatestCode(ctx, "s"); err != nil {
		t.Fatalf("LatestCode after reopen: %v", err)
	}
	assertMigrations(t, s)
}

// TestConcurrentOpen opens one new schema from several goroutines at once,
// as several processes starting together would.
func TestConcurrentOpen(t *testing.T) {
	ctx := t.Context()
	dsn := newSchema(t)
	const n = 8
	stores := make([]*Storage, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		defer stores[i].Close()
	}
	assertMigrations(t, stores[0])
}

// assertMigrations checks that each embedded migration is recorded once.
func assertMigrations(t *testing.T, s *Storage) {
	t.Helper()
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	var n int
	if err := s.pool.QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatalf("count migrations: %v", err)
	}
	if n != len(ms) {
		t.Errorf("schema_migrations holds %d rows, want %d", n, len(ms))
	}
}

func TestOpenErrors(t *testing.T) {
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
		_, err := Open(ctx, tc.dsn)
		if err == nil {
			t.Fatalf("Open #%d of a bad DSN succeeded", i)
		}
		if got := errors.Is(err, ErrInvalidDSN); got != tc.invalid {
			t.Errorf("Open #%d: errors.Is(%v, ErrInvalidDSN) = %v, want %v", i, err, got, tc.invalid)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Open #%d error reveals the password: %v", i, err)
		}
	}
}

// TestNowInjected checks that expiry follows the injected clock.
func TestNowInjected(t *testing.T) {
	ctx := t.Context()
	s := openTest(t)
	clock := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	s.Now = func() time.Time { return clock }
	if n, err := s.Increment(ctx, "k", clock.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("Increment = %d, %v; want 1", n, err)
	}
	if err := s.UseNonce(ctx, "n", clock.Add(time.Minute)); err != nil {
		t.Fatalf("UseNonce: %v", err)
	}
	clock = clock.Add(time.Minute) // exactly at expiry: expired
	if n, err := s.Increment(ctx, "k", clock.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("Increment at expiry = %d, %v; want 1", n, err)
	}
	if err := s.UseNonce(ctx, "n", clock.Add(time.Minute)); err != nil {
		t.Fatalf("UseNonce at expiry: %v", err)
	}
	if err := s.UseNonce(ctx, "n", clock.Add(time.Minute)); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("UseNonce again = %v, want ErrAlreadyExists", err)
	}
}

func BenchmarkGetOrCreatePerson(b *testing.B) {
	conformance.BenchmarkGetOrCreatePerson(b, openTest(b))
}

func BenchmarkUpdateCode(b *testing.B) {
	conformance.BenchmarkUpdateCode(b, openTest(b))
}

// TestMigrateForward opens a schema created by the first migration alone,
// holding a person, and checks that Open brings it forward: the person
// reads back with no guardian, and the verification tables work.
func TestMigrateForward(t *testing.T) {
	ctx := t.Context()
	dsn := newSchema(t)
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if len(ms) < 2 || ms[0].version != 1 {
		t.Fatalf("want migration 1 and later ones, have %d", len(ms))
	}
	old, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := migrate(ctx, old, ms[:1]); err != nil {
		old.Close()
		t.Fatalf("migrate to version 1: %v", err)
	}
	created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	_, err = old.Exec(ctx, `INSERT INTO persons (id, person_index, wanghao, state, phone_index,
		password_hash, password_failures, created_at) VALUES ('p1', 'idx-1', '100000000001', 'active', '', 'h', 0, $1)`,
		created)
	old.Close()
	if err != nil {
		t.Fatalf("insert person at version 1: %v", err)
	}

	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open of a version 1 schema: %v", err)
	}
	defer s.Close()
	assertMigrations(t, s)
	want := storage.Person{ID: "p1", Index: "idx-1", Wanghao: "100000000001", State: storage.PersonActive,
		PasswordHash: "h", CreatedAt: created}
	got, err := s.GetPerson(ctx, "p1")
	if err != nil {
		t.Fatalf("GetPerson: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("person after migration:\n got %+v\nwant %+v", got, want)
	}
	if _, err := s.UpdatePerson(ctx, "p1", func(p storage.Person) (storage.Person, error) {
		p.GuardianID = "g1"
		return p, nil
	}); err != nil {
		t.Fatalf("UpdatePerson: %v", err)
	}
	if wards, err := s.ListWards(ctx, "g1"); err != nil || len(wards) != 1 {
		t.Errorf("ListWards after migration = %d wards, %v; want 1", len(wards), err)
	}
	if r, err := s.AppendRecord(ctx, storage.Record{ID: "r1", PersonID: "p1"}, nil); err != nil || r.Seq != 1 {
		t.Errorf("AppendRecord after migration: Seq %d, %v; want 1", r.Seq, err)
	}
}

func BenchmarkAppendRecord(b *testing.B) {
	conformance.BenchmarkAppendRecord(b, openTest(b))
}
