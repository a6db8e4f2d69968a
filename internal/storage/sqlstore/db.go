package sqlstore

import "context"

// The Store runs its statements through these small interfaces, so that
// each database keeps its fastest driver API: database/sql for SQLite
// (modernc.org/sqlite offers no other), pgx's own pool for PostgreSQL.
// Through database/sql (pgx/v5/stdlib) instead, an append to the record
// log on PostgreSQL took about 1.7 times the client CPU and 190 rather
// than 103 allocations: database/sql starts a goroutine and a cancelable
// context per transaction and converts every value twice, all inside the
// log's critical section. Arguments and Scan destinations are the same for
// both (flavor.args, flavor.dests): plain Go values, and destinations that
// implement sql.Scanner, which pgx honours too (with its own faster
// interfaces where postgres.go adds them).

// querier runs statements: a database's pool, or one of its
// transactions. A no-row queryRow's Scan returns sql.ErrNoRows.
type querier interface {
	// exec runs a statement and returns how many rows it changed.
	exec(ctx context.Context, query string, args ...any) (int64, error)
	query(ctx context.Context, query string, args ...any) (rowSet, error)
	queryRow(ctx context.Context, query string, args ...any) scanner
}

// pool is a database's connection pool.
type pool interface {
	querier
	// begin begins a transaction: on SQLite BEGIN IMMEDIATE, taking the
	// write lock; on PostgreSQL READ COMMITTED.
	begin(ctx context.Context) (dbTx, error)
	ping(ctx context.Context) error
	close() error
}

// dbTx is an open transaction of a pool.
type dbTx interface {
	querier
	commit(ctx context.Context) error
	// rollback ends the transaction without writing; it runs even when
	// ctx is cancelled.
	rollback(ctx context.Context) error
}

// rowSet is the rows of a query.
type rowSet interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// scanner is a row or rows.
type scanner interface {
	Scan(dest ...any) error
}
