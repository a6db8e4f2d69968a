package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrBadMigration is returned by Open when the embedded migrations are
// malformed (a programming error caught by the tests).
var ErrBadMigration = errors.New("postgres: bad migration file")

// migration is one versioned schema change.
type migration struct {
	version int64
	name    string
	sql     string
}

// loadMigrations reads the files NNNN_name.sql from fsys, ordered by version.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("postgres: list migrations: %w", err)
	}
	var out []migration
	seen := make(map[int64]bool)
	for _, name := range names {
		base := path.Base(name)
		prefix, _, ok := strings.Cut(base, "_")
		if !ok {
			return nil, fmt.Errorf("%w: %s: want NNNN_name.sql", ErrBadMigration, base)
		}
		v, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%w: %s: version must be a positive number", ErrBadMigration, base)
		}
		if seen[v] {
			return nil, fmt.Errorf("%w: %s: duplicate version %d", ErrBadMigration, base, v)
		}
		seen[v] = true
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("postgres: read migration %s: %w", base, err)
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrationLockClass is the first key of the advisory lock that serialises
// migrations; the second is a hash of the current schema, so databases
// (and test schemas) migrate independently.
const migrationLockClass = 0x6e6d6967 // "nmig"

// migrate applies the migrations not yet recorded in schema_migrations, in
// order, each in its own transaction.
//
// Each transaction first takes a transaction-scoped advisory lock, so the
// check "is this version recorded?" and the migration itself run under the
// lock: two processes opening the same database at once cannot both apply a
// migration; the second waits, then sees the version recorded and skips it.
func migrate(ctx context.Context, pool *pgxpool.Pool, migrations []migration) error {
	for _, m := range migrations {
		if err := applyMigration(ctx, pool, m); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, pool *pgxpool.Pool, m migration) (err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migration %s: begin: %w", m.name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err = tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`,
		int32(migrationLockClass)); err != nil {
		return fmt.Errorf("postgres: migration %s: lock: %w", m.name, err)
	}
	if _, err = tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    bigint      NOT NULL PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("postgres: migration %s: create schema_migrations: %w", m.name, err)
	}
	var applied bool
	if err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`,
		m.version).Scan(&applied); err != nil {
		return fmt.Errorf("postgres: migration %s: check: %w", m.name, err)
	}
	if applied {
		return tx.Commit(ctx)
	}
	// Without arguments pgx uses the simple protocol, which runs a
	// multi-statement script.
	if _, err = tx.Exec(ctx, m.sql); err != nil {
		return fmt.Errorf("postgres: migration %s: apply: %w", m.name, err)
	}
	if _, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
		m.version, m.name); err != nil {
		return fmt.Errorf("postgres: migration %s: record: %w", m.name, err)
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migration %s: commit: %w", m.name, err)
	}
	return nil
}
