package loadgen

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver sqlstore uses
)

// BenchmarkSessionFloor measures, in one run on this machine, what a
// level-1 verification session cannot avoid on the stack netid is built
// on, without any of netid's own code: its four HTTP exchanges on bare
// net/http, its seven ECDSA operations on crypto/ecdsa, and its sixteen
// SQL statements and three commits on the pure-Go SQLite (modernc.org/
// sqlite) over tables of the same shape as sqlstore's. Each sub-benchmark
// reports the process's CPU time per session ("cpu-µs/session") and that
// time in units of one P-256 signature verification measured just before
// and after it ("×p256"), the unit in which `netid-load verify` reports a
// whole session and in which its goal is 16 ×. The three added together
// are the floor of a session on this stack: what netid's own work (JSON,
// tokens, middleware, the record log's hashing, allocation) comes on top
// of.
//
//	go test -run '^$' -bench SessionFloor -benchtime 3000x ./internal/loadgen
func BenchmarkSessionFloor(b *testing.B) {
	b.Run("signatures", benchFloorSignatures)
	b.Run("http", benchFloorHTTP)
	b.Run("sqlite", benchFloorSQLite)
}

// floorReport runs op b.N times from 8 goroutines (the load's -c 8; one
// goroutine for sequential work), and reports the process CPU time per
// op and its ratio to one P-256 verification.
func floorReport(b *testing.B, parallel bool, op func() error) {
	b.Helper()
	before, err := measureP256()
	if err != nil {
		b.Fatal(err)
	}
	var failed atomic.Pointer[error]
	b.ResetTimer()
	c0, ok := processCPU()
	if !ok {
		b.Skip("the process CPU time cannot be read on this system")
	}
	if parallel {
		b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := op(); err != nil {
					failed.CompareAndSwap(nil, &err)
				}
			}
		})
	} else {
		for b.Loop() {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
	}
	c1, _ := processCPU()
	b.StopTimer()
	if p := failed.Load(); p != nil {
		b.Fatal(*p)
	}
	after, err := measureP256()
	if err != nil {
		b.Fatal(err)
	}
	per := float64(c1-c0) / float64(b.N)
	unit := float64(before.perVerify+after.perVerify) / 2
	b.ReportMetric(per/1e3, "cpu-µs/session")
	b.ReportMetric(per/unit, "×p256")
}

// benchFloorSignatures: the wallet signs its open and approve proofs, the
// platform checks both and signs the result, the relying party checks the
// result, and the record log signs its new tree head: four P-256
// signatures and three verifications of SHA-256 digests.
func benchFloorSignatures(b *testing.B) {
	var keys [3]*ecdsa.PrivateKey
	for i := range keys {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		keys[i] = k
	}
	wallet, platform, log := keys[0], keys[1], keys[2]
	sign := func(k *ecdsa.PrivateKey, msg string) ([]byte, [32]byte, error) {
		h := sha256.Sum256([]byte(msg))
		sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
		return sig, h, err
	}
	verify := func(k *ecdsa.PrivateKey, h [32]byte, sig []byte) error {
		if !ecdsa.VerifyASN1(&k.PublicKey, h[:], sig) {
			return fmt.Errorf("a floor signature does not verify")
		}
		return nil
	}
	floorReport(b, false, func() error {
		for _, step := range []string{"open", "approve"} {
			sig, h, err := sign(wallet, step)
			if err != nil {
				return err
			}
			if err := verify(wallet, h, sig); err != nil {
				return err
			}
		}
		sig, h, err := sign(platform, "result")
		if err != nil {
			return err
		}
		if err := verify(platform, h, sig); err != nil {
			return err
		}
		_, _, err = sign(log, "tree head")
		return err
	})
}

// floorExchanges are the four exchanges of a session as the load sends
// them: method, and the sizes of the request's and the response's bodies
// chosen so that each message, headers included, is within about 50 bytes
// of the session's (create 398 and 989 bytes, open 670 and 732, approve
// 696 and 467, poll 256 and 1,251, counted on the wire of `netid-load
// verify`). The wallet's proof travels in a header of its own.
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

// benchFloorHTTP: the four exchanges on net/http over loopback TCP, the
// client keeping its connections, and a handler that reads the request's
// body and writes a JSON answer of the session's size and nothing else.
func benchFloorHTTP(b *testing.B) {
	answers := map[string][]byte{}
	for _, x := range floorExchanges {
		answers[x.path] = jsonOfSize(x.answer)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
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
		ReadHeaderTimeout: 10 * time.Second,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	base := "http://" + ln.Addr().String()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr, Timeout: loadRequestTimeout}
	b.Cleanup(tr.CloseIdleConnections)
	proof := strings.Repeat("p", 420)
	bodies := make([][]byte, len(floorExchanges))
	for i, x := range floorExchanges {
		bodies[i] = jsonOfSize(x.reqBody)
	}
	floorReport(b, true, func() error {
		for i, x := range floorExchanges {
			var body io.Reader
			if x.reqBody > 0 {
				body = bytes.NewReader(bodies[i])
			}
			req, err := http.NewRequestWithContext(context.Background(), x.method, base+x.path, body)
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
				return fmt.Errorf("%s %s: %d with %d bytes", x.method, x.path, resp.StatusCode, n)
			}
		}
		return nil
	})
}

// jsonOfSize is a JSON object of exactly n bytes (n ≥ 10).
func jsonOfSize(n int) []byte {
	if n == 0 {
		return nil
	}
	return []byte(`{"v":"` + strings.Repeat("x", n-8) + `"}`)
}

// floorSchema has the shape of the tables a session touches in sqlstore:
// sessions with a unique code, one-time values, the record log with its
// tree nodes and signed head, and rows read by key (relying parties,
// holders, consents).
const floorSchema = `
CREATE TABLE rows (id TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE sessions (id TEXT PRIMARY KEY, code_hash BLOB NOT NULL UNIQUE, state TEXT NOT NULL, expires_at INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE nonces (value BLOB PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE records (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, person_index BLOB, hash BLOB NOT NULL, body BLOB NOT NULL);
CREATE INDEX records_person ON records (person_index, seq);
CREATE TABLE tree_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE tree_heads (size INTEGER PRIMARY KEY, root BLOB NOT NULL, signature BLOB NOT NULL);
`

// benchFloorSQLite: a session's sixteen statements and three commits as
// sqlstore runs them on SQLite, on a file in WAL mode with synchronous
// NORMAL, one writing connection and a pool of query-only readers, every
// statement prepared once. Create reads the relying party and inserts the
// session (autocommitted); open reads the holder and, in a transaction,
// records the proof's one-time value and claims the session; approve
// reads the holder and the session and, in a transaction, records the
// proof, ends the session, reads the consent and the log's tail, and
// stores the record, a tree node and the signed head; poll reads the
// relying party and the session.
func benchFloorSQLite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "floor.db")
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
	w, err := sql.Open("sqlite", dsn(true))
	if err != nil {
		b.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	b.Cleanup(func() { _ = w.Close() })
	ctx := context.Background()
	if _, err := w.ExecContext(ctx, floorSchema); err != nil {
		b.Fatal(err)
	}
	// Rows the reads find: a relying party, a holder, a consent.
	for _, id := range []string{"rp", "holder", "consent"} {
		if _, err := w.ExecContext(ctx, `INSERT INTO rows (id, body) VALUES (?, ?)`, id, bytes.Repeat([]byte{1}, 400)); err != nil {
			b.Fatal(err)
		}
	}
	r, err := sql.Open("sqlite", dsn(false))
	if err != nil {
		b.Fatal(err)
	}
	r.SetMaxOpenConns(2)
	r.SetMaxIdleConns(2)
	b.Cleanup(func() { _ = r.Close() })
	prep := func(db *sql.DB, q string) *sql.Stmt {
		s, err := db.PrepareContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	}
	var (
		readRow        = prep(r, `SELECT body FROM rows WHERE id = ?`)
		readSession    = prep(r, `SELECT state, expires_at, body FROM sessions WHERE id = ?`)
		insertSession  = prep(w, `INSERT INTO sessions (id, code_hash, state, expires_at, body) VALUES (?, ?, 'pending', ?, ?)`)
		useNonce       = prep(w, `INSERT INTO nonces (value, expires_at) VALUES (?, ?)`)
		moveSession    = prep(w, `UPDATE sessions SET state = ?, body = ? WHERE id = ? AND state = ?`)
		txReadRow      = prep(w, `SELECT body FROM rows WHERE id = ?`)
		readTail       = prep(w, `SELECT r.seq, r.hash, (SELECT root FROM tree_heads ORDER BY size DESC LIMIT 1) FROM records r ORDER BY r.seq DESC LIMIT 1`)
		insertRecord   = prep(w, `INSERT INTO records (seq, at, person_index, hash, body) VALUES (?, ?, ?, ?, ?)`)
		insertTreeNode = prep(w, `INSERT OR REPLACE INTO tree_nodes (level, idx, hash) VALUES (?, ?, ?)`)
		insertHead     = prep(w, `INSERT INTO tree_heads (size, root, signature) VALUES (?, ?, ?)`)
	)
	var seq atomic.Int64
	random := func(n int) []byte {
		p := make([]byte, n)
		_, _ = rand.Read(p)
		return p
	}
	body := bytes.Repeat([]byte{2}, 500)
	floorReport(b, true, func() error {
		now := time.Now().Unix()
		id := fmt.Sprintf("%x", random(16))
		var got []byte
		// create
		if err := readRow.QueryRowContext(ctx, "rp").Scan(&got); err != nil {
			return err
		}
		if _, err := insertSession.ExecContext(ctx, id, random(32), now+300, body); err != nil {
			return err
		}
		// open
		if err := readRow.QueryRowContext(ctx, "holder").Scan(&got); err != nil {
			return err
		}
		if err := floorTx(ctx, w, func(tx *sql.Tx) error {
			if _, err := tx.StmtContext(ctx, useNonce).ExecContext(ctx, random(32), now+300); err != nil {
				return err
			}
			return moved(tx.StmtContext(ctx, moveSession).ExecContext(ctx, "claimed", body, id, "pending"))
		}); err != nil {
			return err
		}
		// approve
		if err := readRow.QueryRowContext(ctx, "holder").Scan(&got); err != nil {
			return err
		}
		var state string
		var exp int64
		if err := readSession.QueryRowContext(ctx, id).Scan(&state, &exp, &got); err != nil {
			return err
		}
		if err := floorTx(ctx, w, func(tx *sql.Tx) error {
			if _, err := tx.StmtContext(ctx, useNonce).ExecContext(ctx, random(32), now+300); err != nil {
				return err
			}
			if err := moved(tx.StmtContext(ctx, moveSession).ExecContext(ctx, "approved", body, id, "claimed")); err != nil {
				return err
			}
			if err := tx.StmtContext(ctx, txReadRow).QueryRowContext(ctx, "consent").Scan(&got); err != nil {
				return err
			}
			var last sql.NullInt64
			var hash, root []byte
			if err := tx.StmtContext(ctx, readTail).QueryRowContext(ctx).Scan(&last, &hash, &root); err != nil && err != sql.ErrNoRows {
				return err
			}
			n := seq.Add(1)
			if _, err := tx.StmtContext(ctx, insertRecord).ExecContext(ctx, n, now, random(32), random(32), body[:300]); err != nil {
				return err
			}
			if _, err := tx.StmtContext(ctx, insertTreeNode).ExecContext(ctx, 1, n/2, random(32)); err != nil {
				return err
			}
			_, err := tx.StmtContext(ctx, insertHead).ExecContext(ctx, n, random(32), random(64))
			return err
		}); err != nil {
			return err
		}
		// poll
		if err := readRow.QueryRowContext(ctx, "rp").Scan(&got); err != nil {
			return err
		}
		return readSession.QueryRowContext(ctx, id).Scan(&state, &exp, &got)
	})
}

// floorTx runs fn in a transaction on the writer and commits it.
func floorTx(ctx context.Context, w *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// moved fails unless an UPDATE changed exactly one row.
func moved(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("the session did not move: %d rows, %v", n, err)
	}
	return nil
}
