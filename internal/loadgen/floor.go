package loadgen

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver sqlstore uses
)

// Bounds of Floor.
const (
	maxFloorN    = 100000
	maxFloorConc = 256
)

// FloorOptions configure Floor.
type FloorOptions struct {
	// N sessions per part, Concurrency at a time for the parts that wait
	// on each other (HTTP and SQLite); the signatures run on one
	// goroutine.
	N, Concurrency int
	// Out receives the figures.
	Out io.Writer
}

// floorPart is one part of a session's floor. start prepares it and
// returns op, which does that part of one session, and stop.
type floorPart struct {
	name, what string
	parallel   bool
	start      func(ctx context.Context, dir string) (op func(context.Context) error, stop func(), err error)
}

// floorParts are the work of a level-1 verification session as netid
// designs it (its four exchanges, seven signature operations, sixteen
// statements and three commits), done on the stack netid is built on
// alone and none of netid's code: no JSON, tokens, middleware, routing,
// the schema's further indexes, record-log hashing or personal-data
// encryption.
var floorParts = []floorPart{
	{"signatures", "4 P-256 signatures and 3 verifications on crypto/ecdsa", false, startFloorSignatures},
	{"http", "4 exchanges of the session's sizes on net/http over loopback TCP", true, startFloorHTTP},
	{"sqlite", "16 statements and 3 commits on modernc.org/sqlite in WAL mode", true, startFloorSQLite},
}

// Floor measures the floor of a level-1 verification session on this
// machine: each part's process CPU time per session, in units of one P-256
// signature verification, and their sum, the figure to set beside the one
// `netid-load verify` reports for a whole session.
func Floor(ctx context.Context, o FloorOptions) error {
	if o.N < 1 || o.N > maxFloorN || o.Concurrency < 1 || o.Concurrency > maxFloorConc {
		return fmt.Errorf("%w: -n must be 1 to %d and -c 1 to %d", ErrOptions, maxFloorN, maxFloorConc)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	dir, err := os.MkdirTemp("", "netid-floor-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(o.Out, "the floor of a level-1 verification session on this stack, without netid's code: %d sessions per part, %d at a time\n", o.N, o.Concurrency)
	// The unit is measured before each part and after the last, and each
	// part is counted in the mean of the units either side of it: the
	// machine's speed drifts during a run.
	units := make([]p256Floor, len(floorParts)+1)
	cpu := make([]time.Duration, len(floorParts))
	for i, p := range floorParts {
		if units[i], err = measureP256(); err != nil {
			return err
		}
		conc := 1
		if p.parallel {
			conc = o.Concurrency
		}
		if cpu[i], err = runFloorPart(ctx, p, dir, o.N, conc); err != nil {
			return fmt.Errorf("the floor's %s: %w", p.name, err)
		}
	}
	if units[len(floorParts)], err = measureP256(); err != nil {
		return err
	}
	var sum time.Duration
	var ratio float64
	for i, p := range floorParts {
		per := cpu[i] / time.Duration(o.N)
		r := float64(per) / float64(units[i].perVerify+units[i+1].perVerify) * 2
		sum, ratio = sum+per, ratio+r
		fmt.Fprintf(o.Out, "%-10s %s per session = %.1f × one P-256 verification (%s)\n", p.name+":", per.Round(time.Microsecond), r, p.what)
	}
	var lo, hi time.Duration
	for i, u := range units {
		if i == 0 || u.perVerify < lo {
			lo = u.perVerify
		}
		hi = max(hi, u.perVerify)
	}
	fmt.Fprintf(o.Out, "floor per session: %s = %.1f × one P-256 verification (%s to %s, measured before, between and after the parts)\n",
		sum.Round(time.Microsecond), ratio, lo.Round(100*time.Nanosecond), hi.Round(100*time.Nanosecond))
	return nil
}

// runFloorPart runs p's op n times, conc at a time, and returns the
// process CPU time they took.
func runFloorPart(ctx context.Context, p floorPart, dir string, n, conc int) (time.Duration, error) {
	op, stop, err := p.start(ctx, dir)
	if err != nil {
		return 0, err
	}
	defer stop()
	run, err := runFloorSessions(ctx, op, n, conc)
	return run.cpu, err
}

// floorSigner does the signatures of one session: the wallet signs its
// open and approve proofs, the platform checks both and signs the result,
// the relying party checks the result, and the record log signs its new
// tree head: four P-256 signatures and three verifications of SHA-256
// digests. It counts what it did, for the tests.
type floorSigner struct {
	wallet, platform, log *ecdsa.PrivateKey
	signs, verifies       atomic.Int64
}

func startFloorSignatures(context.Context, string) (func(context.Context) error, func(), error) {
	f, err := newFloorSigner()
	if err != nil {
		return nil, nil, err
	}
	return f.session, func() {}, nil
}

func newFloorSigner() (*floorSigner, error) {
	f := &floorSigner{}
	for _, k := range []**ecdsa.PrivateKey{&f.wallet, &f.platform, &f.log} {
		var err error
		if *k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f *floorSigner) session(context.Context) error {
	for _, s := range []struct {
		k     *ecdsa.PrivateKey
		msg   string
		check bool
	}{{f.wallet, "open", true}, {f.wallet, "approve", true}, {f.platform, "result", true}, {f.log, "tree head", false}} {
		sig, err := f.sign(s.k, s.msg)
		if err != nil {
			return err
		}
		if s.check && !f.verify(s.k, s.msg, sig) {
			return errors.New("a floor signature does not verify")
		}
	}
	return nil
}

// sign signs msg's SHA-256 with k and counts it.
func (f *floorSigner) sign(k *ecdsa.PrivateKey, msg string) ([]byte, error) {
	h := sha256.Sum256([]byte(msg))
	sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
	if err == nil {
		f.signs.Add(1)
	}
	return sig, err
}

// verify checks sig over msg's SHA-256 with k's public key and counts it.
func (f *floorSigner) verify(k *ecdsa.PrivateKey, msg string, sig []byte) bool {
	h := sha256.Sum256([]byte(msg))
	f.verifies.Add(1)
	return ecdsa.VerifyASN1(&k.PublicKey, h[:], sig)
}

// floorExchanges are the four exchanges of a session as `netid-load
// verify` sends them. wire is each message's size on the wire, headers
// included, as counted there (request, response); the bodies' sizes are
// chosen so that the floor's messages come within 20 bytes of them
// (TestFloorHTTPSizes). The relying party authenticates with HTTP Basic;
// the wallet's requests carry its proof in a header of their own.
var floorExchanges = []struct {
	method, path    string
	wallet          bool
	reqBody, answer int
	wire            [2]int
}{
	{"POST", "/v1/verifications", false, 125, 855, [2]int{398, 989}},
	{"POST", "/v1/wallet/verifications/open", true, 60, 598, [2]int{670, 732}},
	{"POST", "/v1/wallet/verifications/answer", true, 80, 333, [2]int{696, 467}},
	{"GET", "/v1/verifications/baed1fb2-3b1c-4cd0-9a67-3e1f0c8f0a11", false, 0, 1116, [2]int{256, 1251}},
}

// startFloorHTTP: the four exchanges on net/http over loopback TCP, the
// client keeping its connections, and a handler that reads the request's
// body and writes a JSON answer of the session's size and nothing else.
func startFloorHTTP(context.Context, string) (func(context.Context) error, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	op, stop := serveFloorHTTP(ln)
	return op, stop, nil
}

// serveFloorHTTP serves the floor's exchanges on ln and returns a session
// of them against it, and stop.
func serveFloorHTTP(ln net.Listener) (func(context.Context) error, func()) {
	answers := map[string][]byte{}
	for _, x := range floorExchanges {
		answers[x.path] = jsonOfSize(x.answer)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				http.Error(w, "unreadable body", http.StatusBadRequest)
				return
			}
			body, ok := answers[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(body)
		}),
		ReadHeaderTimeout: loadRequestTimeout,
	}
	go func() { _ = srv.Serve(ln) }()
	c := newFloorClient(ln.Addr())
	basic := map[string]string{"Authorization": "Basic " + strings.Repeat("c", 84)}
	proof := map[string]string{floorProofHeader: strings.Repeat("p", floorProofSize)}
	op := func(ctx context.Context) error {
		for i, x := range floorExchanges {
			header := basic
			if x.wallet {
				header = proof
			}
			if _, err := c.do(ctx, i, x.path, header); err != nil {
				return err
			}
		}
		return nil
	}
	stop := func() {
		c.close()
		_ = srv.Close()
	}
	return op, stop
}

// floorClient sends the floor's exchanges over connections it keeps, and
// checks each answer's status and size.
type floorClient struct {
	base   string
	tr     *http.Transport
	hc     *http.Client
	bodies [][]byte
}

func newFloorClient(addr net.Addr) *floorClient {
	tr := &http.Transport{MaxIdleConnsPerHost: maxFloorConc}
	c := &floorClient{
		base:   "http://" + addr.String(),
		tr:     tr,
		hc:     &http.Client{Transport: tr, Timeout: loadRequestTimeout},
		bodies: make([][]byte, len(floorExchanges)),
	}
	for i, x := range floorExchanges {
		c.bodies[i] = jsonOfSize(x.reqBody)
	}
	return c
}

// do sends exchange i of floorExchanges to path, with header, and returns
// the answer's header.
func (c *floorClient) do(ctx context.Context, i int, path string, header map[string]string) (http.Header, error) {
	x := floorExchanges[i]
	var body io.Reader
	if x.reqBody > 0 {
		body = bytes.NewReader(c.bodies[i])
	}
	req, err := http.NewRequestWithContext(ctx, x.method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if x.reqBody > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || n != int64(x.answer) {
		return nil, fmt.Errorf("%s %s: status %d with %d bytes", x.method, path, resp.StatusCode, n)
	}
	return resp.Header, nil
}

func (c *floorClient) close() { c.tr.CloseIdleConnections() }

// jsonOfSize is a JSON object of exactly n bytes (n ≥ 8), or nil for 0.
func jsonOfSize(n int) []byte {
	if n == 0 {
		return nil
	}
	return []byte(`{"v":"` + strings.Repeat("x", n-8) + `"}`)
}

// floorSchema has the shape of the tables a session touches in sqlstore,
// with fewer indexes: sessions with a unique code, one-time values, the
// record log with its tree nodes and signed heads, and rows read by key
// (relying parties, holders, consents).
const floorSchema = `
CREATE TABLE rows (id TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE sessions (id TEXT PRIMARY KEY, code_hash BLOB NOT NULL UNIQUE, state TEXT NOT NULL, expires_at INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE nonces (value BLOB PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE records (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, person_index BLOB, hash BLOB NOT NULL, body BLOB NOT NULL);
CREATE INDEX records_person ON records (person_index, seq);
CREATE TABLE tree_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE tree_heads (size INTEGER PRIMARY KEY, root BLOB NOT NULL, signature BLOB NOT NULL);
`

// floorSQL are the statements of the SQLite part, prepared once each, and
// the counts of the statements and commits it ran, for the tests.
type floorSQL struct {
	w, r                                               *sql.DB
	readRow, readSession                               *sql.Stmt
	insertSession, useNonce, moveSession, txReadRow    *sql.Stmt
	readTail, insertRecord, insertTreeNode, insertHead *sql.Stmt
	seq                                                atomic.Int64
	statements, commits                                atomic.Int64
	// ckpt, stop and done are the background checkpointer's connection
	// and its stop signal, when it runs.
	ckpt                  *sql.DB
	stop, done            chan struct{}
	checkpoints, restarts atomic.Int64
	// restartAt is the WAL's size, in pages, from which a round restarts
	// it (floorWALRestart; lower in tests).
	restartAt atomic.Int64
}

// floorPersons is how many holders the records name: `netid-load verify`
// sets up 8.
const floorPersons = 8

// startFloorSQLite: a session's sixteen statements and three commits as
// sqlstore runs them on SQLite, on a file in WAL mode with synchronous
// NORMAL, one writing connection and a pool of query-only readers, every
// statement prepared once. Create reads the relying party and inserts the
// session (autocommitted); open reads the holder and, in a transaction,
// records the proof's one-time value and claims the session; approve
// reads the holder and the session and, in a transaction, records the
// proof, ends the session, reads the consent and the log's tail, and
// stores the record, a tree node and the signed head; poll reads the
// relying party and the session. The WAL is checkpointed every 2,000
// pages, in the commit that reaches them: less often than sqlstore's
// background checkpointer at these rates (every 100 ms, about 1,000 pages
// at 550 sessions a second).
func startFloorSQLite(ctx context.Context, dir string) (func(context.Context) error, func(), error) {
	f, err := openFloorSQL(ctx, dir, false)
	if err != nil {
		return nil, nil, err
	}
	return f.session, f.close, nil
}

// openFloorSQL opens the SQLite part's database in dir. With background,
// the WAL is checkpointed as sqlstore does it, off the commit path (see
// checkpointInBackground); without, in the commit that brings it to 2,000
// pages.
func openFloorSQL(ctx context.Context, dir string, background bool) (*floorSQL, error) {
	path := filepath.Join(dir, "floor.db")
	dsn := func(write bool) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(5000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		if write && background {
			q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", floorWALBackstop))
		} else if write {
			q.Add("_pragma", "wal_autocheckpoint(2000)")
		} else {
			q.Add("_pragma", "query_only(1)")
		}
		return path + "?" + q.Encode()
	}
	f := &floorSQL{}
	fail := func(err error) (*floorSQL, error) {
		f.close()
		return nil, err
	}
	var err error
	if f.w, err = sql.Open("sqlite", dsn(true)); err != nil {
		return fail(err)
	}
	f.w.SetMaxOpenConns(1)
	if _, err := f.w.ExecContext(ctx, floorSchema); err != nil {
		return fail(err)
	}
	for _, id := range []string{"rp", "holder", "consent"} {
		if _, err := f.w.ExecContext(ctx, `INSERT INTO rows (id, body) VALUES (?, ?)`, id, bytes.Repeat([]byte{1}, 400)); err != nil {
			return fail(err)
		}
	}
	if f.r, err = sql.Open("sqlite", dsn(false)); err != nil {
		return fail(err)
	}
	f.r.SetMaxOpenConns(2)
	f.r.SetMaxIdleConns(2)
	for _, s := range []struct {
		db   *sql.DB
		dst  **sql.Stmt
		text string
	}{
		{f.r, &f.readRow, `SELECT body FROM rows WHERE id = ?`},
		{f.r, &f.readSession, `SELECT state, expires_at, body FROM sessions WHERE id = ?`},
		{f.w, &f.insertSession, `INSERT INTO sessions (id, code_hash, state, expires_at, body) VALUES (?, ?, 'pending', ?, ?)`},
		{f.w, &f.useNonce, `INSERT INTO nonces (value, expires_at) VALUES (?, ?)`},
		{f.w, &f.moveSession, `UPDATE sessions SET state = ?, body = ? WHERE id = ? AND state = ?`},
		{f.w, &f.txReadRow, `SELECT body FROM rows WHERE id = ?`},
		{f.w, &f.readTail, `SELECT r.seq, r.hash, (SELECT root FROM tree_heads ORDER BY size DESC LIMIT 1) FROM records r ORDER BY r.seq DESC LIMIT 1`},
		{f.w, &f.insertRecord, `INSERT INTO records (seq, at, person_index, hash, body) VALUES (?, ?, ?, ?, ?)`},
		{f.w, &f.insertTreeNode, `INSERT INTO tree_nodes (level, idx, hash) VALUES (?, ?, ?)`},
		{f.w, &f.insertHead, `INSERT INTO tree_heads (size, root, signature) VALUES (?, ?, ?)`},
	} {
		if *s.dst, err = s.db.PrepareContext(ctx, s.text); err != nil {
			return fail(err)
		}
	}
	if background {
		if err := f.checkpointInBackground(path); err != nil {
			return fail(err)
		}
	}
	return f, nil
}

// The background checkpointer's figures, sqlstore's: a round every 100
// ms, a restart of the WAL from 4,096 pages, and the writer's own
// checkpoint at 10,000 pages as a backstop.
const (
	floorCheckpointEvery = 100 * time.Millisecond
	floorWALRestart      = 4096
	floorWALBackstop     = 10000
)

// checkpointInBackground checkpoints the database at path on a connection
// of its own, as sqlstore's checkpointer does, so that no commit waits for
// a checkpoint: every floorCheckpointEvery when something was committed, a
// PASSIVE checkpoint, which waits for no one; and once the WAL has
// reached floorWALRestart pages, a RESTART checkpoint holding the writer,
// so that the WAL starts again from its beginning.
func (f *floorSQL) checkpointInBackground(path string) error {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(20)")
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	f.ckpt, f.stop, f.done = db, make(chan struct{}), make(chan struct{})
	f.restartAt.Store(floorWALRestart)
	go func() {
		defer close(f.done)
		t := time.NewTicker(floorCheckpointEvery)
		defer t.Stop()
		var seen int64
		for {
			select {
			case <-f.stop:
				return
			case <-t.C:
			}
			if n := f.commits.Load(); n != seen {
				seen = n
				f.checkpoint()
			}
		}
	}()
	return nil
}

// checkpoint runs one round of the background checkpointer.
func (f *floorSQL) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var busy, pages, copied int
	if err := f.ckpt.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &pages, &copied); err != nil {
		return
	}
	f.checkpoints.Add(1)
	if int64(pages) < f.restartAt.Load() {
		return
	}
	w, err := f.w.Conn(ctx) // the one writer: no commit runs meanwhile
	if err != nil {
		return
	}
	defer w.Close()
	if err := f.ckpt.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &pages, &copied); err == nil && busy == 0 {
		f.restarts.Add(1)
	}
}

func (f *floorSQL) close() {
	if f.stop != nil {
		close(f.stop)
		<-f.done
		_ = f.ckpt.Close()
	}
	for _, db := range []*sql.DB{f.r, f.w} {
		if db != nil {
			_ = db.Close()
		}
	}
}

// exec runs a prepared statement that changes rows, in tx if not nil
// (autocommitted otherwise), and returns how many it changed.
func (f *floorSQL) exec(ctx context.Context, tx *sql.Tx, st *sql.Stmt, args ...any) (int64, error) {
	f.statements.Add(1)
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	} else {
		f.commits.Add(1)
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// read runs a prepared query of one row, in tx if not nil, into dst.
func (f *floorSQL) read(ctx context.Context, tx *sql.Tx, st *sql.Stmt, args []any, dst ...any) error {
	f.statements.Add(1)
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	return st.QueryRowContext(ctx, args...).Scan(dst...)
}

// session runs the SQL of one session.
func (f *floorSQL) session(ctx context.Context) error {
	id, err := f.create(ctx)
	if err != nil {
		return err
	}
	if err := f.open(ctx, id); err != nil {
		return err
	}
	if err := f.approve(ctx, id, nil, nil); err != nil {
		return err
	}
	_, err = f.poll(ctx, id)
	return err
}

// floorBody is the body of a floor session's row: about the size of the
// columns sqlstore writes.
var floorBody = bytes.Repeat([]byte{2}, 500)

// create reads the relying party and inserts the session, autocommitted.
func (f *floorSQL) create(ctx context.Context) (string, error) {
	id := fmt.Sprintf("%x", floorRandom(16))
	var got []byte
	if err := f.read(ctx, nil, f.readRow, []any{"rp"}, &got); err != nil {
		return "", err
	}
	if _, err := f.exec(ctx, nil, f.insertSession, id, floorRandom(32), time.Now().Unix()+300, floorBody); err != nil {
		return "", err
	}
	return id, nil
}

// move changes session id from one state to another, with body, in tx.
func (f *floorSQL) move(ctx context.Context, tx *sql.Tx, id string, body []byte, to, from string) error {
	n, err := f.exec(ctx, tx, f.moveSession, to, body, id, from)
	if err == nil && n != 1 {
		err = fmt.Errorf("the session did not move from %s to %s: %d rows changed", from, to, n)
	}
	return err
}

// open reads the holder and, in a transaction, records the proof's
// one-time value and claims the session.
func (f *floorSQL) open(ctx context.Context, id string) error {
	var got []byte
	if err := f.read(ctx, nil, f.readRow, []any{"holder"}, &got); err != nil {
		return err
	}
	return f.tx(ctx, func(tx *sql.Tx) error {
		if _, err := f.exec(ctx, tx, f.useNonce, floorRandom(32), time.Now().Unix()+300); err != nil {
			return err
		}
		return f.move(ctx, tx, id, floorBody, "claimed", "pending")
	})
}

// approve reads the holder and the session and, in a transaction, records
// the proof, ends the session with result (floorBody if nil), reads the
// consent and the log's tail, and stores the record, a tree node and the
// tree head, signed by signHead while the transaction holds the log (a
// random signature if signHead is nil).
func (f *floorSQL) approve(ctx context.Context, id string, result []byte, signHead func(root []byte) ([]byte, error)) error {
	var got []byte
	var state string
	var exp int64
	if err := f.read(ctx, nil, f.readRow, []any{"holder"}, &got); err != nil {
		return err
	}
	if err := f.read(ctx, nil, f.readSession, []any{id}, &state, &exp, &got); err != nil {
		return err
	}
	if result == nil {
		result = floorBody
	}
	now := time.Now().Unix()
	return f.tx(ctx, func(tx *sql.Tx) error {
		if _, err := f.exec(ctx, tx, f.useNonce, floorRandom(32), now+300); err != nil {
			return err
		}
		if err := f.move(ctx, tx, id, result, "approved", "claimed"); err != nil {
			return err
		}
		if err := f.read(ctx, tx, f.txReadRow, []any{"consent"}, &got); err != nil {
			return err
		}
		var last sql.NullInt64
		var hash, root []byte
		if err := f.read(ctx, tx, f.readTail, nil, &last, &hash, &root); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		n := f.seq.Add(1)
		person := []byte{byte(n % floorPersons)}
		if _, err := f.exec(ctx, tx, f.insertRecord, n, now, person, floorRandom(32), floorBody[:300]); err != nil {
			return err
		}
		if _, err := f.exec(ctx, tx, f.insertTreeNode, 0, n, floorRandom(32)); err != nil {
			return err
		}
		newRoot, sig, err := floorHead(signHead)
		if err != nil {
			return err
		}
		_, err = f.exec(ctx, tx, f.insertHead, n, newRoot, sig)
		return err
	})
}

// floorHead is a new tree root and its signature by signHead, or a random
// signature if signHead is nil.
func floorHead(signHead func(root []byte) ([]byte, error)) (root, sig []byte, err error) {
	root = floorRandom(32)
	if signHead == nil {
		return root, floorRandom(64), nil
	}
	sig, err = signHead(root)
	return root, sig, err
}

// poll reads the relying party and the session, and returns the session's
// body if it ended approved.
func (f *floorSQL) poll(ctx context.Context, id string) ([]byte, error) {
	var got, body []byte
	var state string
	var exp int64
	if err := f.read(ctx, nil, f.readRow, []any{"rp"}, &got); err != nil {
		return nil, err
	}
	if err := f.read(ctx, nil, f.readSession, []any{id}, &state, &exp, &body); err != nil {
		return nil, err
	}
	if state != "approved" {
		return nil, fmt.Errorf("the session ended %s", state)
	}
	return body, nil
}

// tx runs fn in a transaction on the writer and commits it.
func (f *floorSQL) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := f.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	f.commits.Add(1)
	return nil
}

// floorRandom is n random bytes.
func floorRandom(n int) []byte {
	p := make([]byte, n)
	_, _ = rand.Read(p)
	return p
}
