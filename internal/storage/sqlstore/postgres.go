package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// ErrInvalidDSN is returned by OpenPostgres for a DSN pgx cannot parse.
// The error does not quote the DSN, which may hold a password.
var ErrInvalidDSN = errors.New("postgres: invalid DSN")

// Keys of PostgreSQL's advisory locks: the first of two int4 keys. The
// issue lock's second key is a hash of the person ID, the migration lock's
// a hash of the current schema (so databases and test schemas migrate
// independently).
const (
	issueLockClass     = 0x6e697373 // "niss"
	migrationLockClass = 0x6e6d6967 // "nmig"
)

// sqlstatePostgresUnique is SQLSTATE unique_violation.
const sqlstatePostgresUnique = "23505"

// postgresFlavor keeps times as timestamptz and string lists as text[].
// Transactions are READ COMMITTED: Update methods lock their row (SELECT
// … FOR UPDATE), IssueCredential takes an advisory lock per person, and
// AppendRecord the row lock of record_log_tail, whose counter it
// increments (a rolled-back append rolls the counter back too).
var postgresFlavor = &flavor{
	name:         "postgres",
	placeholders: func(q string) string { return q },
	forUpdate:    ` FOR UPDATE`,
	issueLock:    fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d, hashtext($1))`, issueLockClass),
	takeTail:     `UPDATE record_log_tail SET seq = seq + 1 RETURNING seq`,
	untakeTail:   `UPDATE record_log_tail SET seq = seq - 1`,
	// PostgreSQL would round to the microsecond; truncating matches SQLite.
	timeArg: func(t time.Time) any { return t.UTC().Truncate(time.Microsecond) },
	// pgx encodes a []string as text[].
	listArg:  func(l []string) (any, error) { return l, nil },
	scanList: scanPostgresList,
	unique: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == sqlstatePostgresUnique
	},
	migrations:    flavorMigrations("postgres"),
	migrationLock: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d, hashtext(coalesce(current_schema(), '')))`, migrationLockClass),
	migrationTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    bigint      NOT NULL PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`,
}

// postgresTypes are pgx's type maps (which are not safe for concurrent
// use), for decoding text[] columns, which database/sql gets from pgx in
// PostgreSQL's text format.
var postgresTypes = sync.Pool{New: func() any { return pgtype.NewMap() }}

func scanPostgresList(text []byte) ([]string, error) {
	m := postgresTypes.Get().(*pgtype.Map)
	defer postgresTypes.Put(m)
	var out []string
	if err := m.Scan(pgtype.TextArrayOID, pgtype.TextFormatCode, text, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// OpenPostgres connects to the PostgreSQL database dsn (a URL or
// keyword/value string as understood by pgx, e.g.
// "postgres://user@host/db") and applies any pending migrations. Tables
// live in the connection's current schema: set search_path in the DSN to
// choose another than public. The pool settings of pgxpool's DSN
// parameters (pool_max_conns, pool_max_conn_lifetime,
// pool_max_conn_idle_time) apply, with pgxpool's defaults.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	db, err := connectPostgres(dsn)
	if err != nil {
		return nil, err
	}
	return open(ctx, postgresFlavor, db, func(ctx context.Context, db *sql.DB) error { return db.PingContext(ctx) })
}

// connectPostgres returns the connection pool of the database dsn.
func connectPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included: drop it.
		return nil, ErrInvalidDSN
	}
	db := sql.OpenDB(stdlib.GetConnector(*cfg.ConnConfig))
	db.SetMaxOpenConns(int(cfg.MaxConns))
	db.SetMaxIdleConns(int(cfg.MaxConns))
	db.SetConnMaxLifetime(cfg.MaxConnLifetime)
	db.SetConnMaxIdleTime(cfg.MaxConnIdleTime)
	return db, nil
}
