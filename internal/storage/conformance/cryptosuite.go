package conformance

import (
	"context"
	"sync"
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// cryptoSuiteTests are the tests of CryptoSuiteStore.
func cryptoSuiteTests() []subtest {
	return []subtest{
		{"CryptoSuite/RecordOnce", testCryptoSuiteRecordOnce},
		{"CryptoSuite/RecordRace", testCryptoSuiteRecordRace},
	}
}

func testCryptoSuiteRecordOnce(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	if got, err := s.CryptoSuite(ctx); err != nil || got != "" {
		t.Fatalf("CryptoSuite of an empty store = %q, %v", got, err)
	}
	if _, err := s.RecordCryptoSuite(ctx, ""); err == nil {
		t.Fatal("an empty suite name is recorded")
	}
	if got, err := s.RecordCryptoSuite(ctx, "sm"); err != nil || got != "sm" {
		t.Fatalf("first RecordCryptoSuite = %q, %v", got, err)
	}
	if got, err := s.RecordCryptoSuite(ctx, "es256"); err != nil || got != "sm" {
		t.Fatalf("second RecordCryptoSuite = %q, %v, want the first (sm)", got, err)
	}
	if got, err := s.CryptoSuite(ctx); err != nil || got != "sm" {
		t.Fatalf("CryptoSuite = %q, %v", got, err)
	}
	// Inside a transaction, as the platform may call it.
	err := s.InTransaction(ctx, func(tx storage.Storage) error {
		got, err := tx.RecordCryptoSuite(ctx, "es256")
		if err == nil && got != "sm" {
			t.Errorf("in a transaction: %q", got)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testCryptoSuiteRecordRace: processes starting at once with different
// suites all get the one that was recorded.
func testCryptoSuiteRecordRace(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	names := []string{"es256", "sm", "es256", "sm", "es256", "sm", "es256", "sm"}
	got := make([]string, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() { got[i], errs[i] = s.RecordCryptoSuite(ctx, n) })
	}
	wg.Wait()
	for i := range names {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Fatalf("callers disagree: %v", got)
		}
	}
	if stored, _ := s.CryptoSuite(ctx); stored != got[0] {
		t.Fatalf("stored %q, callers got %q", stored, got[0])
	}
}
