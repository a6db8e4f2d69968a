package pgschema

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// dropTimeout bounds how long dropping a schema may take.
const dropTimeout = 30 * time.Second

// Create creates the schema prefix_<16 random hex digits> in the database
// dsn names (a postgres:// URL or a keyword/value string), and returns a
// DSN whose connections use it and a function that drops it, with
// everything in it. prefix must be a valid SQL identifier.
func Create(ctx context.Context, dsn, prefix string) (string, func() error, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	schema := prefix + "_" + hex.EncodeToString(b[:])
	withSchema, err := searchPath(dsn, schema)
	if err != nil {
		return "", nil, err
	}
	conn, err := connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("creating the schema %s: %w", schema, err)
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
		defer cancel()
		conn, err := connect(ctx, dsn)
		if err != nil {
			return fmt.Errorf("connecting to PostgreSQL to drop the schema %s: %w", schema, err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return fmt.Errorf("dropping the schema %s: %w", schema, err)
		}
		return nil
	}
	return withSchema, drop, nil
}

// connect opens one connection to dsn, which may carry pgxpool's pool_*
// parameters (the platform's DSN does): pgxpool reads them, and the
// connection is made without them, which the server would refuse as
// unknown run-time parameters.
func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included.
		return nil, errors.New("the PostgreSQL DSN is not valid")
	}
	return pgx.ConnectConfig(ctx, cfg.ConnConfig)
}

// ForTest is Create for a test or a benchmark: the schema is dropped when
// tb ends, and a failure to create or drop it fails tb.
func ForTest(tb testing.TB, dsn, prefix string) string {
	tb.Helper()
	withSchema, drop, err := Create(tb.Context(), dsn, prefix)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Error(err)
		}
	})
	return withSchema
}

// searchPath returns dsn with search_path set to schema.
func searchPath(dsn, schema string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " search_path=" + schema, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included.
		return "", errors.New("the PostgreSQL DSN is not a valid URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
