package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"modernc.org/sqlite"
)

// cancelAt is the cancel function netid_test_cancel calls (nil between
// tests); registerFn registers that function on the driver once.
var (
	cancelAt   atomic.Pointer[context.CancelFunc]
	registerFn sync.Once
)

// registerCancelFunction registers netid_test_cancel(x) on the SQLite
// driver (for the connections opened after it): it returns x, and when x
// is 10 it ends the context of the running test's statement, then waits
// long enough for anything watching that context to act on it.
func registerCancelFunction(t *testing.T) {
	t.Helper()
	registerFn.Do(func() {
		sqlite.MustRegisterScalarFunction("netid_test_cancel", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			if x, _ := args[0].(int64); x == 10 {
				if c := cancelAt.Load(); c != nil {
					(*c)()
					time.Sleep(50 * time.Millisecond)
				}
			}
			return args[0], nil
		})
	})
}

// A statement that reads or changes rows runs to its end once started,
// even if its context ends while it runs (the request has gone): nothing
// watches the context during it, which cost two goroutines a statement.
// A context that has ended already is refused before the statement.
func TestSQLiteStatementRunsToItsEnd(t *testing.T) {
	registerCancelFunction(t)
	s, _ := openSQLiteFile(t)
	const rows = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) `

	run := func(name string, stmt func(ctx context.Context) (int64, error)) {
		t.Helper()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		cancelAt.Store(&cancel)
		defer cancelAt.Store(nil)
		n, err := stmt(ctx)
		if err != nil || n != 20000 {
			t.Errorf("%s, its context ended while it ran: %d, %v; want 20000 rows and no error", name, n, err)
		}
		if ctx.Err() == nil {
			t.Fatalf("%s: the statement never ended its context", name)
		}
		if _, err := stmt(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a context that has ended: %v, want context.Canceled", name, err)
		}
	}
	run("a SELECT on the readers", func(ctx context.Context) (n int64, err error) {
		err = s.queryRow(ctx, `SELECT (`+rows+`SELECT count(*) FROM c WHERE netid_test_cancel(x) = x)`).Scan(&n)
		return n, err
	})
	run("a query on the writer", func(ctx context.Context) (n int64, err error) {
		err = s.queryRow(ctx, rows+`SELECT count(*) FROM c WHERE netid_test_cancel(x) = x`).Scan(&n)
		return n, err
	})
	run("a change on the writer", func(ctx context.Context) (int64, error) {
		if _, err := s.exec(context.Background(), `DELETE FROM counters`); err != nil {
			return 0, err
		}
		return s.exec(ctx, `INSERT INTO counters (key, value, expires_at) `+rows+`SELECT 'k' || x, x, NULL FROM c WHERE netid_test_cancel(x) = x`)
	})
}
