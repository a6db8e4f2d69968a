package audit

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// BenchmarkAppend appends to the in-memory store, signing a head every
// DefaultHeadEvery records.
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	l := &Log{Store: &fakeStore{}, Keys: newTestKey(b)}
	r := testRecord(2)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Append(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify verifies a log of 10,000 records and 100 heads.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	_, store, keys := newTestLog(b, 10_000, DefaultHeadEvery)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Verify(ctx, store, keys)
		if err != nil || !rep.OK() {
			b.Fatal(err, rep.Problems)
		}
	}
}

// BenchmarkAppendSQLite appends to a SQLite file, each record in its own
// transaction with its signed tree head.
func BenchmarkAppendSQLite(b *testing.B) {
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(b.TempDir(), "netid.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	l := &Log{Store: store, Keys: newTestKey(b)}
	r := testRecord(2)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Append(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
