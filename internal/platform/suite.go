package platform

import (
	"context"
	"fmt"

	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
)

// dataSuite returns the crypto suite to open the data with. A platform
// creating or serving its data (create) records want, ES256 if unset, at
// its first start, atomically before any key exists, and is refused
// (keys.ErrSuite) if the data was recorded under the other suite. A tool
// opening existing data without naming a suite uses the recorded one.
// Data from before the suite was recorded holds none; its signing keys
// tell (keys.KeySet refuses the other suite's).
func dataSuite(ctx context.Context, store storage.CryptoSuiteStore, want suite.Suite, create bool) (suite.Suite, error) {
	stored, err := store.CryptoSuite(ctx)
	if err != nil {
		return suite.Suite{}, fmt.Errorf("reading the crypto suite: %w", err)
	}
	if !want.Valid() {
		if stored != "" && !create {
			s, err := suite.Parse(stored)
			if err != nil {
				return suite.Suite{}, fmt.Errorf("the database records the crypto suite %q: %w", stored, err)
			}
			return s, nil
		}
		want = suite.ES256
	}
	if create {
		if stored, err = store.RecordCryptoSuite(ctx, want.String()); err != nil {
			return suite.Suite{}, fmt.Errorf("recording the crypto suite: %w", err)
		}
	}
	if stored != "" && stored != want.String() {
		return suite.Suite{}, fmt.Errorf("%w: the data was created under the crypto suite %q and this platform runs %q; start it with --crypto-suite %s",
			keys.ErrSuite, stored, want, stored)
	}
	return want, nil
}
