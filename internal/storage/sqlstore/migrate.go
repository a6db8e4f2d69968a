package sqlstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationFiles holds each flavor's migrations, in migrations/<flavor>/.
//
//go:embed migrations
var migrationFiles embed.FS

// flavorMigrations returns the migrations of the flavor named name.
func flavorMigrations(name string) fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations/"+name)
	if err != nil {
		panic(err) // a constant, valid path
	}
	return sub
}

// ErrBadMigration is returned by the Open functions when the embedded
// migrations are malformed (a programming error caught by the tests).
var ErrBadMigration = errors.New("sqlstore: bad migration file")

// migration is one versioned schema change.
type migration struct {
	version int64
	name    string
	sql     string
}

// loadMigrations reads the files NNNN_name.sql from fsys, ordered by version.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var out []migration
	seen := make(map[int64]bool)
	for _, name := range names {
		prefix, _, ok := strings.Cut(name, "_")
		if !ok {
			return nil, fmt.Errorf("%w: %s: want NNNN_name.sql", ErrBadMigration, name)
		}
		v, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%w: %s: version must be a positive number", ErrBadMigration, name)
		}
		if seen[v] {
			return nil, fmt.Errorf("%w: %s: duplicate version %d", ErrBadMigration, name, v)
		}
		seen[v] = true
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(name, ".sql"), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies the migrations not yet recorded in schema_migrations, in
// order, each in its own transaction.
//
// Each transaction first takes the migration lock (SQLite's write lock,
// which BEGIN IMMEDIATE takes; PostgreSQL's advisory lock, flavor
// migrationLock), so the check "is this version recorded?" and the
// migration itself run under the lock: two processes opening the same
// database at once cannot both apply a migration; the second waits, then
// sees the version recorded and skips it.
func migrate(ctx context.Context, db pool, f *flavor, migrations []migration) error {
	for _, m := range migrations {
		if err := applyMigration(ctx, db, f, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db pool, f *flavor, m migration) (err error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.rollback(ctx)
		}
	}()
	if f.migrationLock != "" {
		if _, err = tx.exec(ctx, f.migrationLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if _, err = tx.exec(ctx, f.migrationTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var n int
	if err = tx.queryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if n > 0 {
		return tx.commit(ctx)
	}
	// Without arguments, the drivers run a script of several statements
	// (pgx then uses PostgreSQL's simple protocol).
	if _, err = tx.exec(ctx, m.sql); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	args, err := f.args([]any{m.version, m.name, time.Now()})
	if err != nil {
		return err
	}
	if _, err = tx.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, args...); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if err = tx.commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
