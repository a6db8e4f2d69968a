package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/conformance"
)

// backend is one way of opening a Store, for the tests that run on each.
type backend struct {
	name string
	f    *flavor
	// newTarget returns where a new, empty database is: a file path or a
	// DSN. It skips the test if the backend is unavailable.
	newTarget func(tb testing.TB) string
	open      func(ctx context.Context, target string) (*Store, error)
	connect   func(ctx context.Context, target string) (pool, error)
	// indexes lists the names of the indexes on a table ($1).
	indexes string
}

var (
	sqliteFile = backend{
		name:      "sqlite",
		f:         sqliteFlavor,
		newTarget: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "netid.db") },
		open:      OpenSQLite,
		connect:   func(_ context.Context, path string) (pool, error) { return connectSQLite(path) },
		indexes:   `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1`,
	}
	sqliteMemory = backend{
		name:      "sqlite-memory",
		f:         sqliteFlavor,
		newTarget: func(testing.TB) string { return Memory },
		open:      OpenSQLite,
	}
	postgres = backend{
		name:      "postgres",
		f:         postgresFlavor,
		newTarget: newSchema,
		open:      OpenPostgres,
		connect:   connectPostgres,
		indexes:   `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`,
	}
	// backends hold their data across a reopen.
	backends = []backend{sqliteFile, postgres}
)

// openTest opens a new, empty Store of b, closed at the end of the test.
func (b backend) openTest(tb testing.TB) *Store {
	tb.Helper()
	s, err := b.open(tb.Context(), b.newTarget(tb))
	if err != nil {
		tb.Fatalf("open %s: %v", b.name, err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	for _, b := range []backend{sqliteFile, sqliteMemory, postgres} {
		open := func(t *testing.T) storage.Storage { return b.openTest(t) }
		t.Run(b.name, func(t *testing.T) { conformance.RunTests(t, open) })
		t.Run(b.name+"/Concurrency", func(t *testing.T) { conformance.RunConcurrencyTests(t, open) })
	}
}

// TestReopen checks that migrations are idempotent: data survives a reopen
// and the schema is not applied twice.
func TestReopen(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			target := b.newTarget(t)
			s, err := b.open(ctx, target)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			if err := s.CreateCode(ctx, storage.Code{ID: "c1", Subject: "s"}); err != nil {
				t.Fatalf("CreateCode: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s, err = b.open(ctx, target)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer s.Close()
			if _, err := s.LatestCode(ctx, "s"); err != nil {
				t.Fatalf("LatestCode after reopen: %v", err)
			}
			assertMigrations(t, s)
		})
	}
}

// TestConcurrentOpen opens one new database from several goroutines at
// once, as several processes starting together would.
func TestConcurrentOpen(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			target := b.newTarget(t)
			const n = 8
			stores := make([]*Store, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { stores[i], errs[i] = b.open(ctx, target) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("open #%d: %v", i, err)
				}
				defer stores[i].Close()
			}
			assertMigrations(t, stores[0])
		})
	}
}

// assertMigrations checks that each embedded migration is recorded once,
// under its version and name.
func assertMigrations(t *testing.T, s *Store) {
	t.Helper()
	ms, err := loadMigrations(s.f.migrations)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	rows, err := s.db.query(t.Context(), `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var got []migration
	for rows.Next() {
		var m migration
		if err := rows.Scan(&m.version, &m.name); err != nil {
			t.Fatalf("read schema_migrations: %v", err)
		}
		got = append(got, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	if len(got) != len(ms) {
		t.Fatalf("schema_migrations holds %d rows, want %d", len(got), len(ms))
	}
	for i, m := range ms {
		if got[i].version != m.version || got[i].name != m.name {
			t.Errorf("schema_migrations row %d = %d %q, want %d %q", i, got[i].version, got[i].name, m.version, m.name)
		}
	}
}

// TestMigrateForward opens a database created by the first migration alone,
// holding a person, and checks that opening brings it forward: the person
// reads back with no guardian, and the later tables and indexes work.
func TestMigrateForward(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			target := b.newTarget(t)
			ms, err := loadMigrations(b.f.migrations)
			if err != nil {
				t.Fatalf("loadMigrations: %v", err)
			}
			if len(ms) < 2 || ms[0].version != 1 {
				t.Fatalf("want migration 1 and later ones, have %d", len(ms))
			}
			old, err := b.connect(ctx, target)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			if err := migrate(ctx, old, b.f, ms[:1]); err != nil {
				old.close()
				t.Fatalf("migrate to version 1: %v", err)
			}
			created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
			args, err := b.f.args([]any{created})
			if err == nil {
				_, err = old.exec(ctx, `INSERT INTO persons (id, person_index, wanghao, state, phone_index,
					password_hash, password_failures, created_at) VALUES ('p1', 'idx-1', '100000000001', 'active', '', 'h', 0, $1)`,
					args...)
			}
			old.close()
			if err != nil {
				t.Fatalf("insert person at version 1: %v", err)
			}

			s, err := b.open(ctx, target)
			if err != nil {
				t.Fatalf("open of a version 1 database: %v", err)
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
			// 0004 added records_id, 0020 dropped it: unrecorded sessions
			// are found through records_rp_time.
			if hasIndex(t, b, s, "records", "records_id") {
				t.Error("the index records_id is still there after the migrations")
			}
			if !hasIndex(t, b, s, "records", "records_rp_time") {
				t.Error("no index records_rp_time after the migrations")
			}
		})
	}
}

// TestMigrateStatusSlots opens a database from before status slots,
// holding a credential and a suspended one in status list 1, and checks
// that their indices are taken afterwards (a random draw cannot hand them
// out again) and that the list still shows their statuses.
func TestMigrateStatusSlots(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			target := b.newTarget(t)
			ms, err := loadMigrations(b.f.migrations)
			if err != nil {
				t.Fatalf("loadMigrations: %v", err)
			}
			before := 0
			for before < len(ms) && ms[before].name != "0006_status_slots" {
				before++
			}
			if before == len(ms) {
				t.Fatal("no migration status_slots")
			}
			old, err := b.connect(ctx, target)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			if err := migrate(ctx, old, b.f, ms[:before]); err != nil {
				old.close()
				t.Fatalf("migrate to version %d: %v", before, err)
			}
			for _, c := range []struct {
				id, status string
				index      int64
			}{{"c1", "active", 0}, {"c2", "suspended", 1}} {
				_, err = old.exec(ctx, `INSERT INTO credentials (id, person_id, status, status_reason, status_list, status_index,
					device_key_id, signing_key_id) VALUES ('`+c.id+`', 'p-`+c.id+`', '`+c.status+`', '', '1', `+fmt.Sprint(c.index)+`, 'thumb-`+c.id+`', 'kid')`)
				if err != nil {
					old.close()
					t.Fatalf("insert credential before status slots: %v", err)
				}
			}
			old.close()

			s, err := b.open(ctx, target)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer s.Close()
			assertMigrations(t, s)
			idx, err := s.StatusListIndices(ctx, "1")
			if err != nil || len(idx) != 2 || idx[0] != 0 || idx[1] != 1 {
				t.Fatalf("StatusListIndices after migration = %v, %v; want [0 1]", idx, err)
			}
			if err := s.ReserveStatusSlot(ctx, storage.StatusSlot{List: "1", Index: 1, CredentialID: "c3", Member: 1}); !errors.Is(err, storage.ErrAlreadyExists) {
				t.Fatalf("reserving an index taken before the migration: %v", err)
			}
			if last, err := s.LastStatusList(ctx); err != nil || last != "1" {
				t.Fatalf("LastStatusList = %q, %v", last, err)
			}
			slots, err := s.ListStatusSlots(ctx, "c2")
			if err != nil || len(slots) != 1 || slots[0].Member != 0 || slots[0].DeviceKeyID != "thumb-c2" {
				t.Fatalf("ListStatusSlots(c2) = %+v, %v", slots, err)
			}
			got, err := s.ListStatuses(ctx, "1")
			if err != nil || len(got) != 2 || got[1].Status != storage.CredentialSuspended {
				t.Fatalf("ListStatuses = %+v, %v", got, err)
			}
		})
	}
}

// hasIndex reports whether the table has the named index.
func hasIndex(t *testing.T, b backend, s *Store, table, index string) bool {
	t.Helper()
	rows, err := s.db.query(t.Context(), b.indexes, table)
	if err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatalf("list indexes: %v", err)
		}
		found = found || name == index
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	return found
}

// appliedMigrations are the SHA-256 digests of the migrations that
// databases in use have applied. A migration, once released, never
// changes: a change to the schema is a new migration.
var appliedMigrations = map[string]string{
	"sqlite/0001_init.sql":           "07f727ef0f4d5148f15c9415b53754b8ba4e90f53f6c6bae82264ab8d9635c4a",
	"sqlite/0002_verification.sql":   "3fca6a808808edf484e6fa5da20f6cca88b31eea3057bc38e17e9e97dd691d1f",
	"sqlite/0003_lifecycle.sql":      "fa085aa91331903ecb85808cc912c9511873d128a721892799b2c4f06b925d12",
	"postgres/0001_init.sql":         "9e88442ca807e712644a8f2b0783c627ff72e7b0d7dba98178f27d62118b0473",
	"postgres/0002_verification.sql": "3477993e054a04c215f5bed594551e3f46fb55fb4eb9e52a48e41045b1dc33b9",
	"postgres/0003_lifecycle.sql":    "73e8b0f4693e894fe9de398140ca761854bfab3a6c058d87b7281dd7c8db3df6",
}

func TestAppliedMigrationsUnchanged(t *testing.T) {
	for name, want := range appliedMigrations {
		b, err := fs.ReadFile(migrationFiles, "migrations/"+name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s changed: databases that applied it keep the old version; add a new migration instead", name)
		}
	}
}

// TestFlavorsMigrateAlike checks that both flavors have the same
// migrations, by version and name.
func TestFlavorsMigrateAlike(t *testing.T) {
	lite, err := loadMigrations(sqliteFlavor.migrations)
	if err != nil {
		t.Fatalf("sqlite migrations: %v", err)
	}
	pg, err := loadMigrations(postgresFlavor.migrations)
	if err != nil {
		t.Fatalf("postgres migrations: %v", err)
	}
	if len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].version != pg[i].version || lite[i].name != pg[i].name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, lite[i].name, pg[i].name)
		}
	}
}

func TestLoadMigrationsRejectsBadNames(t *testing.T) {
	for _, name := range []string{"init.sql", "0_init.sql", "x1_init.sql"} {
		fsys := fstest.MapFS{name: {Data: []byte("SELECT 1;")}}
		if _, err := loadMigrations(fsys); !errors.Is(err, ErrBadMigration) {
			t.Errorf("loadMigrations(%s) error = %v, want ErrBadMigration", name, err)
		}
	}
	dup := fstest.MapFS{"0001_a.sql": {}, "01_b.sql": {}}
	if _, err := loadMigrations(dup); !errors.Is(err, ErrBadMigration) {
		t.Errorf("loadMigrations(duplicate versions) error = %v, want ErrBadMigration", err)
	}
}

// TestNowInjected checks that expiry follows the injected clock, on a
// transaction's Store too.
func TestNowInjected(t *testing.T) {
	for _, b := range []backend{sqliteMemory, postgres} {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			s := b.openTest(t)
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
			if err := s.InTransaction(ctx, func(tx storage.Storage) error {
				return tx.UseNonce(ctx, "n", clock.Add(time.Minute))
			}); err != nil {
				t.Fatalf("UseNonce at expiry, in a transaction: %v", err)
			}
			if err := s.UseNonce(ctx, "n", clock.Add(time.Minute)); !errors.Is(err, storage.ErrAlreadyExists) {
				t.Fatalf("UseNonce again = %v, want ErrAlreadyExists", err)
			}
		})
	}
}

// TestTableFields checks each table's fields against its value type:
// every field of the type is a column, once.
func TestTableFields(t *testing.T) {
	for _, check := range []func(*testing.T){
		checkFields(applications), checkFields(persons), checkFields(credentials), checkFields(statusEntries),
		checkFields(codes), checkFields(signingKeys), checkFields(relyingParties), checkFields(sessions),
		checkFields(grants), checkFields(consents), checkFields(records), checkFields(heads),
		checkFields(rpApplications),
	} {
		check(t)
	}
}

func checkFields[T any](tb *table[T]) func(*testing.T) {
	return func(t *testing.T) {
		t.Helper()
		var v T
		rv := reflect.ValueOf(&v).Elem()
		want := make(map[uintptr]string)
		for i := range rv.NumField() {
			want[rv.Field(i).Addr().Pointer()] = rv.Type().Field(i).Name
		}
		for _, p := range tb.fields(&v) {
			addr := reflect.ValueOf(p).Pointer()
			if _, ok := want[addr]; !ok {
				t.Errorf("%s: a column is not a field, or a field is listed twice", tb.what)
			}
			delete(want, addr)
		}
		for _, f := range want {
			t.Errorf("%s: field %s is not stored", tb.what, f)
		}
	}
}

// benchBackends runs a conformance benchmark body on every backend.
func benchBackends(b *testing.B, body func(*testing.B, storage.Storage)) {
	for _, be := range []backend{sqliteFile, sqliteMemory, postgres} {
		b.Run(be.name, func(b *testing.B) { body(b, be.openTest(b)) })
	}
}

func BenchmarkGetOrCreatePerson(b *testing.B) {
	benchBackends(b, conformance.BenchmarkGetOrCreatePerson)
}
func BenchmarkUpdateCode(b *testing.B)   { benchBackends(b, conformance.BenchmarkUpdateCode) }
func BenchmarkAppendRecord(b *testing.B) { benchBackends(b, conformance.BenchmarkAppendRecord) }

// TestMigrateRelyingPartyIDTokenAlg opens a database whose relying party
// was registered before the ID token algorithm was stored: it reads back
// ES256, the algorithm its ID tokens were signed with.
func TestMigrateRelyingPartyIDTokenAlg(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			target := b.newTarget(t)
			ms, err := loadMigrations(b.f.migrations)
			if err != nil {
				t.Fatalf("loadMigrations: %v", err)
			}
			i := slices.IndexFunc(ms, func(m migration) bool { return strings.HasSuffix(m.name, "_id_token_alg") })
			if i < 0 {
				t.Fatal("no migration NNNN_id_token_alg.sql")
			}
			old, err := b.connect(ctx, target)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			if err := migrate(ctx, old, b.f, ms[:i]); err != nil {
				old.close()
				t.Fatalf("migrate to version %d: %v", i, err)
			}
			args, err := b.f.args([]any{false})
			if err == nil {
				_, err = old.exec(ctx, `INSERT INTO relying_parties (id, name, sector, category, legal_basis, auth_method,
					secret_hash, disabled) VALUES ('shop', 'Shop', 'shop', 'internet_service', '', 'client_secret_basic', 'h', $1)`, args...)
			}
			old.close()
			if err != nil {
				t.Fatalf("insert relying party before the migration: %v", err)
			}
			s, err := b.open(ctx, target)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer s.Close()
			rp, err := s.GetRelyingParty(ctx, "shop")
			if err != nil {
				t.Fatalf("GetRelyingParty: %v", err)
			}
			if rp.IDTokenAlg != "ES256" || rp.SecretHash != "h" || rp.AuthMethod != "client_secret_basic" {
				t.Errorf("relying party after the migration: %+v", rp)
			}
		})
	}
}
