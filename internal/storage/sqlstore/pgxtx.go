package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgxTx is a PostgreSQL transaction that saves round trips where pgx's
// Conn.Begin and Tx.Commit spend them, because on loopback a round trip
// costs more CPU than most statements do inside the server, and across a
// network its latency is added to the request (docs/performance.md).
//
// It begins with its first statement: it takes a connection from the
// pool and sends nothing until then, and then sends BEGIN and the
// statement in one pipelined batch (pgx's Batch.BeginTx). The server sees
// the same thing as before: BEGIN opens the block before the statement
// runs, the batch's Sync inside an explicit block does not end it, and a
// statement that fails leaves the block aborted until ROLLBACK. If the
// batch fails before BEGIN takes effect (the statement cannot be
// prepared, an argument cannot be encoded, the connection is lost), pgx
// closes the transaction, and every later call and COMMIT fail. A first
// statement that is a script (exec without arguments: several
// statements, sent with the simple protocol, which a batch cannot carry)
// goes after a BEGIN of its own. A transaction that runs no statement
// sends nothing.
//
// It can also end with a change sent in one batch with COMMIT
// (execLater).
//
// Calls run one at a time, as on any pgx connection; after COMMIT or
// ROLLBACK they fail with errTxEnded.
type pgxTx struct {
	// c is the connection, nil once the transaction has ended.
	c *pgxpool.Conn
	// tx is the transaction, once its first statement has been sent.
	tx pgx.Tx
	// first is the batch of BEGIN and the first statement while that
	// statement's result is still to be read to its end.
	first pgx.BatchResults
	// later are changes whose result nobody waits for, held to go with
	// COMMIT's round trip (execLater).
	later []pgxLater
}

// pgxLater is a change held by execLater.
type pgxLater struct {
	query string
	args  []any
}

// execLater holds a change whose result its caller does not need to go
// on: it goes to the server in one batch with COMMIT, or just before the
// next statement if one comes first, in order either way. If it fails,
// COMMIT, or that next statement, fails with its error, and nothing of
// the transaction is written. The record log's append ends a transaction
// this way, so that the log's lock, taken by the statement before it, is
// held a round trip less.
func (t *pgxTx) execLater(query string, args []any) error {
	if t.c == nil {
		return errTxEnded
	}
	t.later = append(t.later, pgxLater{query, detach(args)})
	return nil
}

// detach copies the slices among args, so that a held change sends the
// values it was given even if their caller reuses the memory before
// COMMIT; a statement sent at once encodes them before it returns.
func detach(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case []byte:
			out[i] = bytes.Clone(v)
		case []string:
			out[i] = slices.Clone(v)
		case []int16:
			out[i] = slices.Clone(v)
		case []int64:
			out[i] = slices.Clone(v)
		case [][]byte:
			c := make([][]byte, len(v))
			for j, b := range v {
				c[j] = bytes.Clone(b)
			}
			out[i] = c
		default:
			out[i] = a
		}
	}
	return out
}

// flush sends the held changes, if any, before another statement.
func (t *pgxTx) flush(ctx context.Context) error {
	later := t.later
	t.later = nil
	for _, l := range later {
		if _, err := t.exec(ctx, l.query, l.args...); err != nil {
			return err
		}
	}
	return nil
}

// start sends BEGIN and the statement q in one batch and reads BEGIN's
// answer; the caller reads the statement's result from the batch.
func (t *pgxTx) start(ctx context.Context, q string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{})
	b.Queue(q, args...)
	br := t.c.SendBatch(ctx, b)
	t.tx = br.Tx()
	t.first = br
	if _, err := br.Exec(); err != nil {
		_ = t.closeFirst()
		return nil, err
	}
	return br, nil
}

// settle finishes reading the first batch, if a caller left its rows
// unread, so that the connection can take the next message.
func (t *pgxTx) settle() { _ = t.closeFirst() }

// closeFirst finishes the first batch and returns its error.
func (t *pgxTx) closeFirst() error {
	if t.first == nil {
		return nil
	}
	err := t.first.Close()
	t.first = nil
	return err
}

func (t *pgxTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	if t.c == nil {
		return 0, errTxEnded
	}
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	switch {
	case t.tx == nil && len(args) == 0:
		// A script: BEGIN on its own, then the script.
		tx, err := t.c.Begin(ctx)
		if err != nil {
			return 0, err
		}
		t.tx = tx
	case t.tx == nil:
		br, err := t.start(ctx, query, args)
		if err != nil {
			return 0, err
		}
		tag, err := br.Exec()
		if cerr := t.closeFirst(); err == nil {
			err = cerr
		}
		return tag.RowsAffected(), err
	}
	t.settle()
	tag, err := t.tx.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (t *pgxTx) query(ctx context.Context, query string, args ...any) (rowSet, error) {
	if t.c == nil {
		return nil, errTxEnded
	}
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	if t.tx == nil {
		br, err := t.start(ctx, query, args)
		if err != nil {
			return nil, err
		}
		r, err := br.Query()
		if err != nil {
			_ = t.closeFirst()
			return nil, err
		}
		return pgxFirstRows{pgxRows{r}, t}, nil
	}
	t.settle()
	r, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgxRows{r}, nil
}

func (t *pgxTx) queryRow(ctx context.Context, query string, args ...any) scanner {
	if t.c == nil {
		return errRow{errTxEnded}
	}
	if err := t.flush(ctx); err != nil {
		return errRow{err}
	}
	if t.tx == nil {
		br, err := t.start(ctx, query, args)
		if err != nil {
			return errRow{err}
		}
		return pgxFirstRow{pgxRow{br.QueryRow()}, t}
	}
	t.settle()
	return pgxRow{t.tx.QueryRow(ctx, query, args...)}
}

// commitWait bounds how long a COMMIT, once sent, waits for the server's
// answer.
const commitWait = 10 * time.Second

// commit commits the transaction, in one batch with the changes
// execLater held; COMMIT of a block that a failed statement aborted, or
// of a transaction pgx closed, fails.
//
// If ctx has ended, nothing is sent and the transaction rolls back. Once
// COMMIT is sent, its answer is awaited whatever becomes of ctx (up to
// commitWait): cancelling it then could not stop a COMMIT that reaches
// the server before the cancel request does, and the caller would be told
// that a transaction failed which was in fact written, its record in the
// log included. The held changes make that window longer than COMMIT's
// own round trip, so it is closed rather than left to chance.
func (t *pgxTx) commit(ctx context.Context) error {
	if t.c == nil {
		return errTxEnded
	}
	defer t.release()
	if err := ctx.Err(); err != nil {
		t.later = nil
		if t.tx != nil {
			t.settle()
			_ = t.tx.Rollback(context.WithoutCancel(ctx))
		}
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitWait)
	defer cancel()
	if t.tx == nil {
		// Held changes with no statement before them: they begin the
		// transaction like any first statement.
		if err := t.flush(ctx); err != nil {
			t.abandon(ctx)
			return err
		}
	}
	if t.tx == nil {
		return nil
	}
	t.settle()
	if len(t.later) == 0 {
		return t.tx.Commit(ctx)
	}
	later := t.later
	t.later = nil
	b := &pgx.Batch{}
	for _, l := range later {
		b.Queue(l.query, l.args...)
	}
	b.Queue("commit")
	br := t.c.SendBatch(ctx, b)
	var err error
	for range later {
		if _, err = br.Exec(); err != nil {
			break
		}
	}
	if err == nil {
		var tag pgconn.CommandTag
		if tag, err = br.Exec(); err == nil && tag.String() == "ROLLBACK" {
			// COMMIT of a block an earlier statement aborted.
			err = pgx.ErrTxCommitRollback
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// A change that failed made the server skip COMMIT.
		t.abandon(ctx)
	}
	return err
}

// abandon rolls back what is left of a transaction whose COMMIT failed,
// so that its connection can go back to the pool; a connection whose
// ROLLBACK fails is closed, and the pool drops it.
func (t *pgxTx) abandon(ctx context.Context) {
	pc := t.c.Conn().PgConn()
	if pc.IsClosed() || pc.TxStatus() == 'I' {
		return
	}
	if _, err := t.c.Exec(context.WithoutCancel(ctx), "rollback"); err != nil {
		_ = t.c.Conn().Close(context.WithoutCancel(ctx))
	}
}

func (t *pgxTx) rollback(ctx context.Context) error {
	if t.c == nil {
		return errTxEnded
	}
	defer t.release()
	t.later = nil
	if t.tx == nil {
		return nil
	}
	t.settle()
	// pgx closes a connection whose ROLLBACK failed; a transaction its
	// batch never began is already closed.
	if err := t.tx.Rollback(context.WithoutCancel(ctx)); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return err
	}
	return nil
}

// release gives the connection back to the pool, which drops it if it is
// closed or still inside a transaction (a COMMIT that failed midway).
func (t *pgxTx) release() {
	t.c.Release()
	t.c = nil
}

// pgxFirstRows and pgxFirstRow are the result of a transaction's first
// statement: closing or scanning them finishes its batch.
type (
	pgxFirstRows struct {
		pgxRows
		t *pgxTx
	}
	pgxFirstRow struct {
		pgxRow
		t *pgxTx
	}
)

func (r pgxFirstRows) Close() error {
	_ = r.pgxRows.Close()
	return r.t.closeFirst()
}

func (r pgxFirstRow) Scan(dest ...any) error {
	err := r.pgxRow.Scan(dest...)
	if cerr := r.t.closeFirst(); err == nil {
		err = cerr
	}
	return err
}
