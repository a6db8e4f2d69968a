package sqlite

import (
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/conformance"
)

func openFile(tb testing.TB) *Storage {
	tb.Helper()
	s, err := Open(tb.Context(), filepath.Join(tb.TempDir(), "netid.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func openMemory(tb testing.TB) *Storage {
	tb.Helper()
	s, err := Open(tb.Context(), Memory)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	backends := []struct {
		name string
		open func(t *testing.T) storage.Storage
	}{
		{"file", func(t *testing.T) storage.Storage { return openFile(t) }},
		{"memory", func(t *testing.T) storage.Storage { return openMemory(t) }},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			conformance.RunTests(t, b.open)
		})
		t.Run(b.name+"/Concurrency", func(t *testing.T) {
			conformance.RunConcurrencyTests(t, b.open)
		})
	}
}

func TestOpenInvalidPath(t *testing.T) {
	for _, path := range []string{"", "a.db?mode=ro", "file:a.db", "a#b"} {
		if _, err := Open(t.Context(), path); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("Open(%q) error = %v, want ErrInvalidPath", path, err)
		}
	}
}

// TestReopen checks that migrations are idempotent: data survives a reopen
// and the schema is not applied twice.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "netid.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.CreateCode(ctx, storage.Code{ID: "c1", Subject: "s"}); err != nil {
		t.Fatalf("CreateCode: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if _, err := s.LatestCode(ctx, "s"); err != nil {
		t.Fatalf("LatestCode after reopen: %v", err)
	}
	assertMigrations(t, s)
}

// TestConcurrentOpen opens one new file from several goroutines at once, as
// several processes starting together would.
func TestConcurrentOpen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "netid.db")
	const n = 8
	stores := make([]*Storage, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, path) })
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
	var n, distinct int
	if err := s.db.QueryRowContext(t.Context(),
		`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
		t.Fatalf("count migrations: %v", err)
	}
	if n != len(ms) || distinct != len(ms) {
		t.Errorf("schema_migrations holds %d rows (%d versions), want %d", n, distinct, len(ms))
	}
}

func TestLoadMigrationsRejectsBadNames(t *testing.T) {
	// The embedded set loads; malformed names are tested on a literal FS.
	if _, err := loadMigrations(migrationFiles); err != nil {
		t.Fatalf("embedded migrations: %v", err)
	}
	for _, name := range []string{"migrations/init.sql", "migrations/0_init.sql", "migrations/x1_init.sql"} {
		fsys := fstest.MapFS{name: {Data: []byte("SELECT 1;")}}
		if _, err := loadMigrations(fsys); !errors.Is(err, ErrBadMigration) {
			t.Errorf("loadMigrations(%s) error = %v, want ErrBadMigration", name, err)
		}
	}
	dup := fstest.MapFS{"migrations/0001_a.sql": {}, "migrations/01_b.sql": {}}
	if _, err := loadMigrations(dup); !errors.Is(err, ErrBadMigration) {
		t.Errorf("loadMigrations(duplicate versions) error = %v, want ErrBadMigration", err)
	}
}

// TestNowInjected checks that expiry follows the injected clock.
func TestNowInjected(t *testing.T) {
	ctx := t.Context()
	s := openMemory(t)
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
	b.Run("file", func(b *testing.B) { conformance.BenchmarkGetOrCreatePerson(b, openFile(b)) })
	b.Run("memory", func(b *testing.B) { conformance.BenchmarkGetOrCreatePerson(b, openMemory(b)) })
}

func BenchmarkUpdateCode(b *testing.B) {
	b.Run("file", func(b *testing.B) { conformance.BenchmarkUpdateCode(b, openFile(b)) })
	b.Run("memory", func(b *testing.B) { conformance.BenchmarkUpdateCode(b, openMemory(b)) })
}

// TestMigrateForward opens a database created by the first migration alone,
// holding a person, and checks that Open brings it forward: the person
// reads back with no guardian, and the verification tables work.
func TestMigrateForward(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "netid.db")
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if len(ms) < 2 || ms[0].version != 1 {
		t.Fatalf("want migration 1 and later ones, have %d", len(ms))
	}
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	if err := migrate(ctx, old, ms[:1]); err != nil {
		t.Fatalf("migrate to version 1: %v", err)
	}
	created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if _, err := old.ExecContext(ctx, `INSERT INTO persons (id, person_index, wanghao, state, phone_index,
		password_hash, password_failures, created_at) VALUES ('p1', 'idx-1', '100000000001', 'active', '', 'h', 0, ?)`,
		created.UnixMicro()); err != nil {
		t.Fatalf("insert person at version 1: %v", err)
	}
	if err := old.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of a version 1 database: %v", err)
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
	b.Run("file", func(b *testing.B) { conformance.BenchmarkAppendRecord(b, openFile(b)) })
	b.Run("memory", func(b *testing.B) { conformance.BenchmarkAppendRecord(b, openMemory(b)) })
}
