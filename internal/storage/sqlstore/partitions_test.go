package sqlstore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/storage"
)

// auditKey signs the test logs' heads.
type auditKey struct{ priv *ecdsa.PrivateKey }

func newAuditKey(t *testing.T) auditKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return auditKey{priv}
}

func (k auditKey) Signer() (crypto.Signer, string) { return k.priv, "k1" }

func (k auditKey) jwks() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.priv.PublicKey, KeyID: "k1", Algorithm: string(jose.ES256), Use: "sig"}}}
}

// testClock is a clock that shows the time last set.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// partitionOf returns the partition of records holding Seq seq.
func partitionOf(t *testing.T, s *Store, seq int64) string {
	t.Helper()
	var name string
	if err := s.queryRow(t.Context(), `SELECT tableoid::regclass::text FROM records WHERE seq = $1`, seq).Scan(&name); err != nil {
		t.Fatalf("partition of record %d: %v", seq, err)
	}
	return name
}

// verifyLog checks the whole chain and its tree heads.
func verifyLog(t *testing.T, s *Store, key auditKey) {
	t.Helper()
	rep, err := audit.Verify(t.Context(), s, key.jwks())
	if err != nil {
		t.Fatalf("audit.Verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("audit.Verify: %v", rep.Err())
	}
}

// TestRecordPartitions appends records on both sides of a month boundary
// and in a month without a partition, and checks the partition of each,
// that the default partition's record moves to its month's partition on
// maintenance, and that the chain verifies across all of them.
func TestRecordPartitions(t *testing.T) {
	s := postgres.openTest(t)
	ctx := t.Context()
	this := monthStart(time.Now())
	next := this.AddDate(0, 1, 0)
	past := time.Date(2020, time.March, 14, 9, 0, 0, 0, time.UTC)
	at := []time.Time{
		this.Add(time.Hour),
		next.Add(-time.Microsecond), // the last instant of this month
		next,                        // the first of the next
		past,                        // a month without a partition
		next.Add(time.Minute),
	}
	key := newAuditKey(t)
	var c testClock
	l := &audit.Log{Store: s, Keys: key, Now: c.now}
	for i := range at {
		c.set(at[i])
		if _, err := l.Append(ctx, storage.Record{PersonID: "p1", RPID: "rp1", Outcome: "ok"}); err != nil {
			t.Fatalf("Append %d: %v", i+1, err)
		}
	}
	want := []string{recordPartition(this), recordPartition(this), recordPartition(next), "records_default", recordPartition(next)}
	for i, w := range want {
		if got := partitionOf(t, s, int64(i+1)); got != w {
			t.Errorf("record %d (time %s) is in %s, want %s", i+1, at[i].Format(time.RFC3339Nano), got, w)
		}
	}
	verifyLog(t, s, key)

	if err := s.MaintainPartitions(ctx, this); err != nil {
		t.Fatalf("MaintainPartitions: %v", err)
	}
	if got, w := partitionOf(t, s, 4), recordPartition(monthStart(past)); got != w {
		t.Errorf("after maintenance, record 4 is in %s, want %s", got, w)
	}
	var stray int
	if err := s.queryRow(ctx, `SELECT count(*) FROM records_default`).Scan(&stray); err != nil || stray != 0 {
		t.Errorf("default partition holds %d records after maintenance (%v), want 0", stray, err)
	}
	// The chain goes on after the move, and still verifies.
	if _, err := l.Append(ctx, storage.Record{PersonID: "p1", RPID: "rp1", Outcome: "ok"}); err != nil {
		t.Fatalf("Append after maintenance: %v", err)
	}
	verifyLog(t, s, key)
	recs, err := s.ListPersonRecords(ctx, "p1", 0, 10)
	if err != nil || len(recs) != 6 || recs[0].Seq != 6 || recs[5].Seq != 1 {
		t.Fatalf("ListPersonRecords = %d records, %v; want 6 newest first", len(recs), err)
	}
	counts, err := s.CountRPRecords(ctx, "rp1", next, next.AddDate(0, 1, 0), time.UTC)
	if err != nil {
		t.Fatalf("CountRPRecords: %v", err)
	}
	n := 0
	for _, c := range counts {
		n += int(c.Count)
	}
	if n != 3 {
		t.Errorf("CountRPRecords over the next month = %d, want 3", n)
	}
}

// TestMaintainPartitionsConcurrent runs maintenance from two stores (as two
// processes would) at once, for months without partitions, and again:
// each partition is created once, no call fails, and a repeat changes
// nothing.
func TestMaintainPartitionsConcurrent(t *testing.T) {
	target := postgres.newTarget(t)
	ctx := t.Context()
	var stores [2]*Store
	for i := range stores {
		s, err := postgres.open(ctx, target)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer s.Close()
		stores[i] = s
	}
	later := monthStart(time.Now()).AddDate(2, 0, 0)
	for round := range 3 {
		var wg sync.WaitGroup
		errs := make([]error, len(stores))
		for i, s := range stores {
			wg.Go(func() { errs[i] = s.MaintainPartitions(ctx, later) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: MaintainPartitions #%d: %v", round, i, err)
			}
		}
		have, err := stores[0].recordPartitions(ctx, "test")
		if err != nil {
			t.Fatal(err)
		}
		for k := range storage.PartitionsAhead + 1 {
			if name := recordPartition(later.AddDate(0, k, 0)); !have[name] {
				t.Errorf("round %d: no partition %s", round, name)
			}
		}
		// The migration's five (default, this month and three ahead)
		// and the four of maintenance.
		if len(have) != 9 {
			names := make([]string, 0, len(have))
			for n := range have {
				names = append(names, n)
			}
			slices.Sort(names)
			t.Errorf("round %d: partitions %s, want 9", round, strings.Join(names, ", "))
		}
	}
	// Appends land in the new partitions.
	r, err := stores[1].AppendRecord(ctx, storage.Record{ID: "r1", Time: later.AddDate(0, 3, 2)}, nil)
	if err != nil {
		t.Fatalf("AppendRecord: %v", err)
	}
	if got, w := partitionOf(t, stores[0], r.Seq), recordPartition(later.AddDate(0, 3, 0)); got != w {
		t.Errorf("record in %s, want %s", got, w)
	}
}

// TestMaintainPartitionsSQLite: one table, nothing to do.
func TestMaintainPartitionsSQLite(t *testing.T) {
	s := sqliteFile.openTest(t)
	if err := s.MaintainPartitions(t.Context(), time.Now()); err != nil {
		t.Fatalf("MaintainPartitions: %v", err)
	}
}

// TestMigrateRecordPartitions fills the record log of a database from
// before partitioning, applies the migration, and checks that every record
// moved to its month's partition, that the chain verifies, and that it
// goes on: the next append chains to the last migrated record.
func TestMigrateRecordPartitions(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			target := b.newTarget(t)
			ms, err := loadMigrations(b.f.migrations)
			if err != nil {
				t.Fatalf("loadMigrations: %v", err)
			}
			i := slices.IndexFunc(ms, func(m migration) bool { return strings.HasSuffix(m.name, "_records_partitions") })
			if i < 0 {
				t.Fatal("no migration NNNN_records_partitions.sql")
			}
			old, err := b.connect(ctx, target)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			if err := migrate(ctx, old, b.f, ms[:i]); err != nil {
				old.close()
				t.Fatalf("migrate to version %d: %v", i, err)
			}
			at := []time.Time{
				time.Date(2025, time.January, 15, 8, 0, 0, 0, time.UTC),
				time.Date(2025, time.February, 28, 23, 59, 59, 999999000, time.UTC),
				time.Date(2025, time.March, 1, 0, 0, 0, 0, time.UTC),
				time.Date(2025, time.March, 2, 0, 0, 0, 0, time.UTC),
			}
			var prev storage.Record
			for k, when := range at {
				r := storage.Record{Seq: int64(k + 1), ID: fmt.Sprintf("s%d", k+1), Time: when, PersonID: "p1", RPID: "rp1",
					RPName: "RP", Channel: "web", Level: "1", Outcome: "ok", Provided: []string{"name"}}
				r.PrevHash = make([]byte, audit.HashSize)
				if k > 0 {
					r.PrevHash = prev.Hash
				}
				r.Hash = audit.Hash(r)
				q, args, err := b.f.prepare(records.insert, records.args(r))
				if err == nil {
					_, err = old.exec(ctx, q, args...)
				}
				if err != nil {
					old.close()
					t.Fatalf("insert record %d before the migration: %v", k+1, err)
				}
				prev = r
			}
			if b.f.takeTail != "" {
				if _, err := old.exec(ctx, `UPDATE record_log_tail SET seq = 4`); err != nil {
					old.close()
					t.Fatalf("set the tail: %v", err)
				}
			}
			old.close()

			s, err := b.open(ctx, target)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer s.Close()
			assertMigrations(t, s)
			got, err := s.ListRecords(ctx, 0, 10)
			if err != nil || len(got) != 4 || got[3].ID != "s4" || !got[1].Time.Equal(at[1]) {
				t.Fatalf("ListRecords after the migration = %+v, %v", got, err)
			}
			if b.f.monthlyRecords {
				for k, w := range []string{"records_y2025m01", "records_y2025m02", "records_y2025m03", "records_y2025m03"} {
					if p := partitionOf(t, s, int64(k+1)); p != w {
						t.Errorf("record %d is in %s, want %s", k+1, p, w)
					}
				}
				for _, idx := range []string{"records_seq_time", "records_person_seq", "records_rp_time"} {
					if !hasIndex(t, b, s, "records", idx) {
						t.Errorf("no index %s on records after the migration", idx)
					}
				}
				if hasIndex(t, b, s, "records", "records_id") {
					t.Error("the index records_id is still there after the migrations")
				}
			}
			if b.f.takeTail != "" {
				// The tail keeps the last record's hash, for the next append.
				var h []byte
				if err := s.queryRow(ctx, `SELECT last_hash FROM record_log_tail`).Scan(&h); err != nil || !bytes.Equal(h, prev.Hash) {
					t.Errorf("the tail's last hash after the migration = %x, %v; want s4's, %x", h, err, prev.Hash)
				}
			}
			key := newAuditKey(t)
			l := &audit.Log{Store: s, Keys: key, Now: time.Now}
			r, err := l.Append(ctx, storage.Record{PersonID: "p1", RPID: "rp1", Outcome: "ok"})
			if err != nil || r.Seq != 5 {
				t.Fatalf("Append after the migration: Seq %d, %v; want 5", r.Seq, err)
			}
			verifyLog(t, s, key)
			if b.f.takeTail != "" {
				// A tail that does not keep the hash: the append reads its
				// predecessor, and the chain still verifies.
				if _, err := s.exec(ctx, `UPDATE record_log_tail SET last_hash = NULL`); err != nil {
					t.Fatalf("clear the tail's hash: %v", err)
				}
				r, err := l.Append(ctx, storage.Record{PersonID: "p1", RPID: "rp1", Outcome: "ok"})
				if err != nil || r.Seq != 6 {
					t.Fatalf("Append after a tail without its hash: Seq %d, %v; want 6", r.Seq, err)
				}
				verifyLog(t, s, key)
			}
			if b.f.takeTree != "" {
				// The appends since 0019 keep the tree in the tail.
				var size int64
				var frontier []byte
				if err := s.queryRow(ctx, `SELECT tree_size, tree_frontier FROM record_log_tail`).Scan(&size, &frontier); err != nil {
					t.Fatalf("read the tail's tree: %v", err)
				}
				latest, err := s.LatestTreeHead(ctx)
				if err != nil || size != latest.Size || !bytes.Equal(frontier, latest.Frontier) {
					t.Errorf("the tail's tree is size %d, frontier %x; want the newest head's, size %d, %x (%v)", size, frontier, latest.Size, latest.Frontier, err)
				}
				// A tail without the tree, as migration 0019 leaves it: the
				// append reads the newest tree head, and the tree still
				// verifies.
				if _, err := s.exec(ctx, `UPDATE record_log_tail SET tree_size = NULL, tree_frontier = NULL`); err != nil {
					t.Fatalf("clear the tail's tree: %v", err)
				}
				for seq := int64(7); seq <= 9; seq++ {
					r, err := l.Append(ctx, storage.Record{PersonID: "p1", RPID: "rp1", Outcome: "ok"})
					if err != nil || r.Seq != seq {
						t.Fatalf("Append after a tail without its tree: Seq %d, %v; want %d", r.Seq, err, seq)
					}
				}
				verifyLog(t, s, key)
			}
		})
	}
}
