package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/netid-project/netid/internal/storage"
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
	partitionLockClass = 0x6e707274 // "nprt"
)

// sqlstatePostgresUnique is SQLSTATE unique_violation.
const sqlstatePostgresUnique = "23505"

// postgresFlavor keeps times as timestamptz and string lists as text[].
// Transactions are READ COMMITTED: Update methods lock their row (SELECT
// … FOR UPDATE), IssueCredential takes an advisory lock per person, and
// AppendRecord the row lock of record_log_tail, whose counter it
// increments (a rolled-back append rolls the counter back too).
var postgresFlavor = &flavor{
	name:      "postgres",
	forUpdate: ` FOR UPDATE`,
	recordOfSession: fmt.Sprintf(`SELECT 1 FROM records WHERE records.rp_id = sessions.rp_id
		AND records.time BETWEEN sessions.updated_at - interval '%d microseconds' AND sessions.updated_at + interval '%d microseconds'
		AND records.id = sessions.id ORDER BY records.time LIMIT 1 OFFSET 0`,
		storage.RecordSlack.Microseconds(), storage.RecordWindow.Microseconds()),
	issueLock:  fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d, hashtext($1))`, issueLockClass),
	takeTail:   `UPDATE record_log_tail SET seq = seq + 1 RETURNING seq, last_time, last_hash`,
	untakeTail: `UPDATE record_log_tail SET seq = seq - 1`,
	takeTree:   `UPDATE record_log_tail SET seq = seq + 1 RETURNING seq, last_time, last_hash, coalesce(tree_size, -1), tree_frontier`,
	appendTree: `WITH tail AS (
		UPDATE record_log_tail SET last_time = $3, last_hash = $13,
			tree_size = $14, tree_root = $15, tree_frontier = $16, tree_time = $17, tree_signature = $18
	), head AS (
		INSERT INTO tree_heads (size, root, frontier, time, signature) SELECT $14, $15, $16, $17, $18 WHERE $22::boolean
	), nodes AS (
		INSERT INTO tree_nodes (level, idx, hash)
		SELECT * FROM unnest($19::smallint[], $20::bigint[], $21::bytea[])
		ON CONFLICT (level, idx) DO UPDATE SET hash = excluded.hash
	) ` + records.insert,
	tree: newTreeQueries(`SELECT tree_size AS size, tree_root AS root, tree_frontier AS frontier, tree_time AS time, tree_signature AS signature
		FROM record_log_tail WHERE tree_size IS NOT NULL AND tree_signature IS NOT NULL`),
	changeOnce:     true,
	monthlyRecords: true,
	// PostgreSQL would round to the microsecond; truncating matches SQLite.
	timeArg: func(t time.Time) any { return t.UTC().Truncate(time.Microsecond) },
	// pgx encodes a []string as text[], and reads one back itself.
	listArg: func(l []string) (any, error) { return l, nil },
	unique: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == sqlstatePostgresUnique
	},
	unavailable:   pgUnavailable,
	migrations:    flavorMigrations("postgres"),
	migrationLock: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d, hashtext(coalesce(current_schema(), '')))`, migrationLockClass),
	migrationTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    bigint      NOT NULL PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`,
}

// OpenPostgres connects to the PostgreSQL database dsn (a URL or
// keyword/value string as understood by pgxpool, e.g.
// "postgres://user@host/db?pool_max_conns=8") and applies any pending
// migrations. Tables live in the connection's current schema: set
// search_path in the DSN to choose another than public.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	db, err := connectPostgres(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return open(ctx, postgresFlavor, db)
}

// connectPostgres returns the connection pool of the database dsn.
func connectPostgres(ctx context.Context, dsn string) (pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included: drop it.
		return nil, ErrInvalidDSN
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return pgxPool{pgxConn{p}, p}, nil
}

// pgxPool is a pgx pool, its transactions pgxTx; pgxConn runs statements
// on either.
type (
	pgxPool struct {
		pgxConn
		p *pgxpool.Pool
	}
	pgxConn struct {
		c interface {
			Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
			Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
			QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
		}
	}
	// pgxRows are pgx.Rows with database/sql's Close.
	pgxRows struct{ pgx.Rows }
	// pgxRow is a pgx.Row whose Scan returns sql.ErrNoRows for no row.
	pgxRow struct{ pgx.Row }
)

func (c pgxConn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.c.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (c pgxConn) query(ctx context.Context, query string, args ...any) (rowSet, error) {
	r, err := c.c.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgxRows{r}, nil
}

func (c pgxConn) queryRow(ctx context.Context, query string, args ...any) scanner {
	return pgxRow{c.c.QueryRow(ctx, query, args...)}
}

func (r pgxRows) Close() error {
	r.Rows.Close()
	return nil
}

func (r pgxRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}

// begin takes a connection for a transaction; its BEGIN goes to the
// server with the transaction's first statement (pgxTx).
func (p pgxPool) begin(ctx context.Context) (dbTx, error) {
	c, err := p.p.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &pgxTx{c: c}, nil
}

func (p pgxPool) ping(ctx context.Context) error { return p.p.Ping(ctx) }

func (p pgxPool) close() error {
	p.p.Close()
	return nil
}

// pgx reads times and byte slices into the Store's Scan destinations
// without the detour through database/sql's values.

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (t *timeDest) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid {
		return t.Scan(nil)
	}
	return t.Scan(v.Time)
}

// ScanBytes implements pgtype.BytesScanner.
func (b *bytesDest) ScanBytes(v []byte) error {
	if v == nil {
		return b.Scan(nil)
	}
	return b.Scan(v)
}

// pgUnavailable reports whether err means PostgreSQL cannot serve the
// statement for the moment: the connection could not be made or was lost
// (the server restarted, a network failure), or the server refused it
// while shutting down, starting or out of connections. Errors of the
// statement itself (a constraint, a serialization failure) are not.
func pgUnavailable(err error) bool {
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			pe.Code == "57P01", // admin_shutdown
			pe.Code == "57P02", // crash_shutdown
			pe.Code == "57P03", // cannot_connect_now
			pe.Code == "53300": // too_many_connections
			return true
		}
		return false
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return true
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return true
	}
	// pgx reports a connection it closed after a fatal error as "conn
	// closed", with no type to test.
	return pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed")
}
