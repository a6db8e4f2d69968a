package audit

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"

	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// TestSQLite runs the log on the SQLite backend: concurrent appends verify
// clean after the round trip through the database, and tampering with the
// rows directly is found.
func TestSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "netid.db")
	store, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key := newTestKey(t)
	clock := &tick{}
	l := &Log{Store: store, Keys: key, Now: clock.now, HeadEvery: 10}
	var wg sync.WaitGroup
	for w := range 5 {
		wg.Go(func() {
			for i := range 10 {
				if _, err := l.Append(ctx, testRecord(w*10+i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	keys := jwks(key)
	rep, err := Verify(ctx, store, keys)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Records != 50 || rep.Heads != 5 {
		t.Fatalf("clean SQLite log: %d records, %d heads, %v", rep.Records, rep.Heads, rep.Problems)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`UPDATE records SET rp_id = 'rp-tampered' WHERE seq = 3`,
		`DELETE FROM records WHERE seq = 15`,
		`UPDATE records SET seq = -1 WHERE seq = 25`,
		`UPDATE records SET seq = 25 WHERE seq = 26`,
		`UPDATE records SET seq = 26 WHERE seq = -1`,
		`DELETE FROM records WHERE seq > 42`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	rep, err = Verify(ctx, store, keys)
	if err != nil {
		t.Fatal(err)
	}
	want := []finding{{3, KindAltered}, {15, KindRemoved}, {25, KindReordered}, {26, KindReordered}, {43, KindTruncated}}
	if got := findings(rep); !sameFindings(got, want) {
		t.Errorf("findings %v, want %v\n%v", got, want, rep.Problems)
	}
}
