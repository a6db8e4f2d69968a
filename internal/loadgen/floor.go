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
	"sync"
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

// floorParts are what a level-1 verification session cannot avoid on the
// stack netid is built on, done with that stack alone and none of netid's
// code: no JSON, tokens, middleware, schema, record-log hashing or
// personal-data encryption.
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	c0, ok := processCPU()
	if !ok {
		return 0, errors.New("the process CPU time cannot be read on this system")
	}
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				if err := op(ctx); err != nil {
					once.Do(func() { firstErr = err })
					cancel()
				}
			}
		})
	}
	wg.Wait()
	c1, _ := processCPU()
	if firstErr != nil {
		return 0, firstErr
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return c1 - c0, nil
}

// startFloorSignatures: the wallet signs its open and approve proofs, the
// platform checks both and signs the result, the relying party checks the
// result, and the record log signs its new tree head: four P-256
// signatures and three verifications of SHA-256 digests.
func startFloorSignatures(context.Context, string) (func(context.Context) error, func(), error) {
	var keys [3]*ecdsa.PrivateKey
	for i := range keys {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		keys[i] = k
	}
	wallet, platform, log := keys[0], keys[1], keys[2]
	signed := func(k *ecdsa.PrivateKey, msg string, check bool) error {
		h := sha256.Sum256([]byte(msg))
		sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
		if err != nil {
			return err
		}
		if check && !ecdsa.VerifyASN1(&k.PublicKey, h[:], sig) {
			return errors.New("a floor signature does not verify")
		}
		return nil
	}
	op := func(context.Context) error {
		for _, s := range []struct {
			k     *ecdsa.PrivateKey
			msg   string
			check bool
		}{{wallet, "open", true}, {wallet, "approve", true}, {platform, "result", true}, {log, "tree head", false}} {
			if err := signed(s.k, s.msg, s.check); err != nil {
				return err
			}
		}
		return nil
	}
	return op, func() {}, nil
}

// floorExchanges are the four exchanges of a session as `netid-load
// verify` sends them: method, and the sizes of the request's and the
// response's bodies chosen so that each message, headers included, is
// within about 50 bytes of the session's on the wire (create 398 and 989
// bytes, open 670 and 732, approve 696 and 467, poll 256 and 1,251). The
// wallet's proof travels in a header of its own.
var floorExchanges = []struct {
	method, path    string
	proof           bool
	reqBody, answer int
}{
	{"POST", "/v1/verifications", false, 190, 800},
	{"POST", "/v1/wallet/verifications/open", true, 60, 560},
	{"POST", "/v1/wallet/verifications/answer", true, 80, 300},
	{"GET", "/v1/verifications/baed1fb2-3b1c-4cd0-9a67-3e1f0c8f0a11", false, 0, 1080},
}

// startFloorHTTP: the four exchanges on net/http over loopback TCP, the
// client keeping its connections, and a handler that reads the request's
// body and writes a JSON answer of the session's size and nothing else.
func startFloorHTTP(context.Context, string) (func(context.Context) error, func(), error) {
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	tr := &http.Transport{MaxIdleConnsPerHost: maxFloorConc}
	hc := &http.Client{Transport: tr, Timeout: loadRequestTimeout}
	proof := strings.Repeat("p", 420)
	bodies := make([][]byte, len(floorExchanges))
	for i, x := range floorExchanges {
		bodies[i] = jsonOfSize(x.reqBody)
	}
	op := func(ctx context.Context) error {
		for i, x := range floorExchanges {
			var body io.Reader
			if x.reqBody > 0 {
				body = bytes.NewReader(bodies[i])
			}
			req, err := http.NewRequestWithContext(ctx, x.method, base+x.path, body)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Basic c2hvcDpzZWNyZXQ=")
			if x.reqBody > 0 {
				req.Header.Set("Content-Type", "application/json")
			}
			if x.proof {
				req.Header.Set("Netid-Holder-Proof", proof)
			}
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			n, err := io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				return err
			}
			if resp.StatusCode != http.StatusOK || n != int64(x.answer) {
				return fmt.Errorf("%s %s: status %d with %d bytes", x.method, x.path, resp.StatusCode, n)
			}
		}
		return nil
	}
	stop := func() {
		tr.CloseIdleConnections()
		_ = srv.Close()
	}
	return op, stop, nil
}

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

// floorSQL are the statements of the SQLite part, prepared once each.
type floorSQL struct {
	w, r                                               *sql.DB
	readRow, readSession                               *sql.Stmt
	insertSession, useNonce, moveSession, txReadRow    *sql.Stmt
	readTail, insertRecord, insertTreeNode, insertHead *sql.Stmt
	seq                                                atomic.Int64
}

// startFloorSQLite: a session's sixteen statements and three commits as
// sqlstore runs them on SQLite, on a file in WAL mode with synchronous
// NORMAL, one writing connection and a pool of query-only readers, every
// statement prepared once. Create reads the relying party and inserts the
// session (autocommitted); open reads the holder and, in a transaction,
// records the proof's one-time value and claims the session; approve
// reads the holder and the session and, in a transaction, records the
// proof, ends the session, reads the consent and the log's tail, and
// stores the record, a tree node and the signed head; poll reads the
// relying party and the session.
func startFloorSQLite(ctx context.Context, dir string) (func(context.Context) error, func(), error) {
	path := filepath.Join(dir, "floor.db")
	dsn := func(write bool) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(5000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		if !write {
			q.Add("_pragma", "query_only(1)")
		}
		return path + "?" + q.Encode()
	}
	f := &floorSQL{}
	var err error
	stop := func() {
		for _, db := range []*sql.DB{f.r, f.w} {
			if db != nil {
				_ = db.Close()
			}
		}
	}
	fail := func(err error) (func(context.Context) error, func(), error) {
		stop()
		return nil, nil, err
	}
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
		{f.w, &f.insertTreeNode, `INSERT OR REPLACE INTO tree_nodes (level, idx, hash) VALUES (?, ?, ?)`},
		{f.w, &f.insertHead, `INSERT INTO tree_heads (size, root, signature) VALUES (?, ?, ?)`},
	} {
		if *s.dst, err = s.db.PrepareContext(ctx, s.text); err != nil {
			return fail(err)
		}
	}
	return f.session, stop, nil
}

// session runs the SQL of one session.
func (f *floorSQL) session(ctx context.Context) error {
	now := time.Now().Unix()
	id := fmt.Sprintf("%x", floorRandom(16))
	body := bytes.Repeat([]byte{2}, 500)
	var got []byte
	var state string
	var exp int64
	// create
	if err := f.readRow.QueryRowContext(ctx, "rp").Scan(&got); err != nil {
		return err
	}
	if _, err := f.insertSession.ExecContext(ctx, id, floorRandom(32), now+300, body); err != nil {
		return err
	}
	// open
	if err := f.readRow.QueryRowContext(ctx, "holder").Scan(&got); err != nil {
		return err
	}
	if err := f.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.StmtContext(ctx, f.useNonce).ExecContext(ctx, floorRandom(32), now+300); err != nil {
			return err
		}
		return oneRow(tx.StmtContext(ctx, f.moveSession).ExecContext(ctx, "claimed", body, id, "pending"))
	}); err != nil {
		return err
	}
	// approve
	if err := f.readRow.QueryRowContext(ctx, "holder").Scan(&got); err != nil {
		return err
	}
	if err := f.readSession.QueryRowContext(ctx, id).Scan(&state, &exp, &got); err != nil {
		return err
	}
	if err := f.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.StmtContext(ctx, f.useNonce).ExecContext(ctx, floorRandom(32), now+300); err != nil {
			return err
		}
		if err := oneRow(tx.StmtContext(ctx, f.moveSession).ExecContext(ctx, "approved", body, id, "claimed")); err != nil {
			return err
		}
		if err := tx.StmtContext(ctx, f.txReadRow).QueryRowContext(ctx, "consent").Scan(&got); err != nil {
			return err
		}
		var last sql.NullInt64
		var hash, root []byte
		if err := tx.StmtContext(ctx, f.readTail).QueryRowContext(ctx).Scan(&last, &hash, &root); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		n := f.seq.Add(1)
		if _, err := tx.StmtContext(ctx, f.insertRecord).ExecContext(ctx, n, now, floorRandom(32), floorRandom(32), body[:300]); err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, f.insertTreeNode).ExecContext(ctx, 1, n/2, floorRandom(32)); err != nil {
			return err
		}
		_, err := tx.StmtContext(ctx, f.insertHead).ExecContext(ctx, n, floorRandom(32), floorRandom(64))
		return err
	}); err != nil {
		return err
	}
	// poll
	if err := f.readRow.QueryRowContext(ctx, "rp").Scan(&got); err != nil {
		return err
	}
	if err := f.readSession.QueryRowContext(ctx, id).Scan(&state, &exp, &got); err != nil {
		return err
	}
	if state != "approved" {
		return fmt.Errorf("the session ended %s", state)
	}
	return nil
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
	return tx.Commit()
}

// oneRow fails unless an UPDATE changed exactly one row.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("the session did not move: %d rows changed (%v)", n, err)
	}
	return nil
}

// floorRandom is n random bytes.
func floorRandom(n int) []byte {
	p := make([]byte, n)
	_, _ = rand.Read(p)
	return p
}
