package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/netid-project/netid/internal/pgschema"
)

// floorPGSchema has the shape of the floor's SQLite tables (floorSchema),
// with the record log's tail in a row of its own as sqlstore keeps it on
// PostgreSQL: the last sequence number, the last record's hash and the
// newest signed tree head, taken FOR UPDATE by each append.
const floorPGSchema = `
CREATE TABLE rows (id text PRIMARY KEY, body bytea NOT NULL);
CREATE TABLE sessions (id text PRIMARY KEY, code_hash bytea NOT NULL UNIQUE, state text NOT NULL, expires_at bigint NOT NULL, body bytea NOT NULL);
CREATE TABLE nonces (value bytea PRIMARY KEY, expires_at bigint NOT NULL);
CREATE TABLE records (seq bigint PRIMARY KEY, at bigint NOT NULL, person_index bytea, hash bytea NOT NULL, body bytea NOT NULL);
CREATE INDEX records_person ON records (person_index, seq);
CREATE TABLE tree_nodes (level int NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE log_tail (id int PRIMARY KEY, seq bigint NOT NULL, last_hash bytea NOT NULL, root bytea NOT NULL, signature bytea NOT NULL);
INSERT INTO log_tail VALUES (1, 0, '\x00', '\x00', '\x00');
`

// floorPG is the floor's store on PostgreSQL: a session's twelve round
// trips and three commits as sqlstore sends them. Create reads the
// relying party and inserts the session; open reads the holder and claims
// the session with the proof's one-time value in one statement; approve
// reads the holder and the session, sends BEGIN with the statement that
// records the proof and ends the session, reads the consent, takes the
// log's tail, and sends the record, its tree node and the new tail with
// COMMIT; poll reads the relying party and the session. pgx prepares
// each statement once per connection. It counts the round trips and
// commits it means to make, and the writes its connections make, for the
// tests: pgx sends each round trip's messages in one write.
type floorPG struct {
	pool                        *pgxpool.Pool
	schema                      string
	drop                        func() error
	roundTrips, commits, writes atomic.Int64
}

// floorCountingConn counts a connection's writes.
type floorCountingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *floorCountingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func openFloorPG(ctx context.Context, dsn string) (*floorPG, error) {
	withSchema, drop, err := pgschema.Create(ctx, dsn, "netid_floor")
	if err != nil {
		return nil, err
	}
	f := &floorPG{drop: drop}
	fail := func(err error) (*floorPG, error) {
		f.close()
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(withSchema)
	if err != nil {
		// The parse error may quote the DSN, password included.
		return fail(errors.New("the PostgreSQL DSN is not valid"))
	}
	f.schema = cfg.ConnConfig.RuntimeParams["search_path"]
	dial := cfg.ConnConfig.DialFunc
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &floorCountingConn{Conn: c, writes: &f.writes}, nil
	}
	if f.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fail(err)
	}
	if _, err := f.pool.Exec(ctx, floorPGSchema); err != nil {
		return fail(err)
	}
	for _, id := range []string{"rp", "holder", "consent"} {
		if _, err := f.pool.Exec(ctx, `INSERT INTO rows (id, body) VALUES ($1, $2)`, id, floorBody[:400]); err != nil {
			return fail(err)
		}
	}
	return f, nil
}

// close closes the pool and drops the floor's schema.
func (f *floorPG) close() {
	if f.pool != nil {
		f.pool.Close()
	}
	_ = f.drop()
}

// readRow reads a row by key, one round trip.
func (f *floorPG) readRow(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, id string) error {
	f.roundTrips.Add(1)
	var got []byte
	return q.QueryRow(ctx, `SELECT body FROM rows WHERE id = $1`, id).Scan(&got)
}

func (f *floorPG) create(ctx context.Context) (string, error) {
	id := fmt.Sprintf("%x", floorRandom(16))
	if err := f.readRow(ctx, f.pool, "rp"); err != nil {
		return "", err
	}
	f.roundTrips.Add(1)
	f.commits.Add(1)
	_, err := f.pool.Exec(ctx, `INSERT INTO sessions (id, code_hash, state, expires_at, body) VALUES ($1, $2, 'pending', $3, $4)`,
		id, floorRandom(32), time.Now().Unix()+300, floorBody)
	return id, err
}

// floorPGMove records a proof's one-time value and moves a session from
// one state to another, in one statement.
const floorPGMove = `WITH spent AS (INSERT INTO nonces (value, expires_at) VALUES ($1, $2))
UPDATE sessions SET state = $3, body = $4 WHERE id = $5 AND state = $6`

func floorMoved(n int64, from, to string) error {
	if n != 1 {
		return fmt.Errorf("the session did not move from %s to %s: %d rows changed", from, to, n)
	}
	return nil
}

func (f *floorPG) open(ctx context.Context, id string) error {
	if err := f.readRow(ctx, f.pool, "holder"); err != nil {
		return err
	}
	f.roundTrips.Add(1)
	f.commits.Add(1)
	tag, err := f.pool.Exec(ctx, floorPGMove, floorRandom(32), time.Now().Unix()+300, "claimed", floorBody, id, "pending")
	if err != nil {
		return err
	}
	return floorMoved(tag.RowsAffected(), "pending", "claimed")
}

func (f *floorPG) approve(ctx context.Context, id string, result []byte, signHead func(root []byte) ([]byte, error)) (err error) {
	if err := f.readRow(ctx, f.pool, "holder"); err != nil {
		return err
	}
	var state string
	var exp int64
	var body []byte
	f.roundTrips.Add(1)
	if err := f.pool.QueryRow(ctx, `SELECT state, expires_at, body FROM sessions WHERE id = $1`, id).Scan(&state, &exp, &body); err != nil {
		return err
	}
	if result == nil {
		result = floorBody
	}
	conn, err := f.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	open := false
	defer func() {
		if err != nil && open {
			// What an error left of the transaction, so that the
			// connection goes back to the pool idle rather than closed.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_, _ = conn.Exec(rctx, "ROLLBACK")
			cancel()
		}
	}()
	now := time.Now().Unix()
	// BEGIN with the statement that records the proof and ends the session.
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(floorPGMove, floorRandom(32), now+300, "approved", result, id, "claimed")
	f.roundTrips.Add(1)
	br := conn.SendBatch(ctx, b)
	open = true
	_, err = br.Exec()
	var n int64
	if err == nil {
		var tag pgconn.CommandTag
		tag, err = br.Exec()
		if err == nil {
			n = tag.RowsAffected()
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err = floorMoved(n, "claimed", "approved"); err != nil {
		return err
	}
	if err = f.readRow(ctx, conn, "consent"); err != nil {
		return err
	}
	var seq int64
	var last, root, sig []byte
	f.roundTrips.Add(1)
	if err = conn.QueryRow(ctx, `SELECT seq, last_hash, root FROM log_tail WHERE id = 1 FOR UPDATE`).Scan(&seq, &last, &root); err != nil {
		return err
	}
	seq++
	hash := floorRandom(32)
	if root, sig, err = floorHead(signHead); err != nil {
		return err
	}
	// The record, its tree node and the new tail, sent with COMMIT.
	b = &pgx.Batch{}
	b.Queue(`WITH r AS (INSERT INTO records (seq, at, person_index, hash, body) VALUES ($1, $2, $3, $4, $5)),
t AS (INSERT INTO tree_nodes (level, idx, hash) VALUES (0, $1, $4))
UPDATE log_tail SET seq = $1, last_hash = $4, root = $6, signature = $7 WHERE id = 1`,
		seq, now, []byte{byte(seq % floorPersons)}, hash, floorBody[:300], root, sig)
	b.Queue("COMMIT")
	f.roundTrips.Add(1)
	br = conn.SendBatch(ctx, b)
	_, err = br.Exec()
	if err == nil {
		var tag pgconn.CommandTag
		if tag, err = br.Exec(); err == nil && tag.String() == "ROLLBACK" {
			err = errors.New("the append's transaction was rolled back")
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	open = false
	f.commits.Add(1)
	return nil
}

func (f *floorPG) poll(ctx context.Context, id string) ([]byte, error) {
	if err := f.readRow(ctx, f.pool, "rp"); err != nil {
		return nil, err
	}
	var state string
	var exp int64
	var body []byte
	f.roundTrips.Add(1)
	if err := f.pool.QueryRow(ctx, `SELECT state, expires_at, body FROM sessions WHERE id = $1`, id).Scan(&state, &exp, &body); err != nil {
		return nil, err
	}
	if state != "approved" {
		return nil, fmt.Errorf("the session ended %s", state)
	}
	return body, nil
}
