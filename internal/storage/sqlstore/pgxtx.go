package sqlstore

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgxTx is a PostgreSQL transaction that sends its BEGIN in one round
// trip with its first statement, as a pipelined batch (BEGIN, the
// statement, one Sync), where pgx's own transactions send BEGIN alone and
// wait for its answer: every transaction costs a round trip fewer, and on
// loopback a round trip costs more CPU than most statements do inside
// the server (docs/performance.md).
//
// The server sees the same thing either way: BEGIN opens the block before
// the statement runs, a Sync inside an explicit block does not end it,
// and a statement that fails leaves the block aborted until ROLLBACK.
// A transaction that runs no statement sends nothing. Its calls run one
// at a time, as on any pgx connection; after COMMIT or ROLLBACK they fail
// with errTxEnded.
type pgxTx struct {
	c *pgxpool.Conn
	// begun is set once BEGIN has been sent.
	begun bool
	// first is the batch of BEGIN and the first statement while that
	// statement's result is still to be read to its end.
	first pgx.BatchResults
}

// start sends BEGIN and the statement q in one batch and reads BEGIN's
// answer; the caller reads the statement's result from the batch.
func (t *pgxTx) start(ctx context.Context, q string, args []any) (pgx.BatchResults, error) {
	t.begun = true
	b := &pgx.Batch{}
	b.Queue("begin")
	b.Queue(q, args...)
	br := t.c.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return nil, err
	}
	t.first = br
	return br, nil
}

// settle finishes reading the first batch, if a caller left its rows
// unread, so that the connection can take the next message.
func (t *pgxTx) settle() {
	if t.first != nil {
		_ = t.first.Close()
		t.first = nil
	}
}

func (t *pgxTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	if t.c == nil {
		return 0, errTxEnded
	}
	if t.begun {
		t.settle()
		tag, err := t.c.Exec(ctx, query, args...)
		return tag.RowsAffected(), err
	}
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

func (t *pgxTx) query(ctx context.Context, query string, args ...any) (rowSet, error) {
	if t.c == nil {
		return nil, errTxEnded
	}
	if t.begun {
		t.settle()
		r, err := t.c.Query(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		return pgxRows{r}, nil
	}
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

func (t *pgxTx) queryRow(ctx context.Context, query string, args ...any) scanner {
	if t.c == nil {
		return errRow{errTxEnded}
	}
	if t.begun {
		t.settle()
		return pgxRow{t.c.QueryRow(ctx, query, args...)}
	}
	br, err := t.start(ctx, query, args)
	if err != nil {
		return errRow{err}
	}
	return pgxFirstRow{pgxRow{br.QueryRow()}, t}
}

// closeFirst finishes the first batch and returns its error.
func (t *pgxTx) closeFirst() error {
	if t.first == nil {
		return nil
	}
	err := t.first.Close()
	t.first = nil
	return err
}

func (t *pgxTx) commit(ctx context.Context) error {
	if t.c == nil {
		return errTxEnded
	}
	defer t.release()
	if !t.begun {
		return nil
	}
	t.settle()
	tag, err := t.c.Exec(ctx, "commit")
	if err != nil {
		return err
	}
	// COMMIT of a block a failed statement aborted rolls it back.
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

func (t *pgxTx) rollback(ctx context.Context) error {
	if t.c == nil {
		return errTxEnded
	}
	defer t.release()
	if !t.begun {
		return nil
	}
	t.settle()
	if _, err := t.c.Exec(context.WithoutCancel(ctx), "rollback"); err != nil {
		// The connection's state is unknown: close it, and the pool
		// drops it.
		_ = t.c.Conn().Close(context.WithoutCancel(ctx))
		return err
	}
	return nil
}

// release gives the connection back to the pool, which drops it if it is
// closed or still inside a transaction (a COMMIT that failed midway).
func (t *pgxTx) release() {
	if t.c != nil {
		t.c.Release()
		t.c = nil
	}
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
