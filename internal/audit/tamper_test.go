package audit_test

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/jackc/pgx/v5"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/audit/treeproof"
	"github.com/netid-project/netid/internal/pgschema"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
	"github.com/netid-project/netid/internal/wallet"
	"github.com/netid-project/netid/internal/witness"
)

// platformKey is the platform's signing key in these tests.
type platformKey struct {
	priv *ecdsa.PrivateKey
	kid  string
}

func newPlatformKey(t testing.TB) *platformKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := (&jose.JSONWebKey{Key: &priv.PublicKey}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return &platformKey{priv: priv, kid: base64.RawURLEncoding.EncodeToString(tp)}
}

func (k *platformKey) Signer() (crypto.Signer, string) { return k.priv, k.kid }

func (k *platformKey) jwks() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.ES256), Use: "sig"}}}
}

// backend is a store and a way to write its tables directly, as an
// operator with database access would.
type backend struct {
	name   string
	open   func(t *testing.T) storage.Storage // another connection pool to the same database
	store  storage.Storage
	exec   func(t *testing.T, query string)
	sqlite bool
}

// backends runs fn on SQLite and, with NETID_TEST_POSTGRES_DSN, on
// PostgreSQL, each in a fresh database.
func backends(t *testing.T, fn func(t *testing.T, b *backend)) {
	someBackends(t, true, fn)
}

// someBackends is backends, on PostgreSQL only if postgres.
func someBackends(t *testing.T, postgres bool, fn func(t *testing.T, b *backend)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "netid.db")
		open := func(t *testing.T) storage.Storage {
			s, err := sqlstore.OpenSQLite(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		b := &backend{name: "sqlite", open: open, sqlite: true}
		b.store = open(t)
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		b.exec = func(t *testing.T, q string) {
			t.Helper()
			if _, err := db.ExecContext(t.Context(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		fn(t, b)
	})
	if !postgres {
		return
	}
	t.Run("postgres", func(t *testing.T) {
		dsn := postgresSchema(t)
		open := func(t *testing.T) storage.Storage {
			s, err := sqlstore.OpenPostgres(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		b := &backend{name: "postgres", open: open}
		b.store = open(t)
		b.exec = func(t *testing.T, q string) {
			t.Helper()
			conn, err := pgx.Connect(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			if _, err := conn.Exec(t.Context(), q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		fn(t, b)
	})
}

// postgresSchema skips t without NETID_TEST_POSTGRES_DSN; otherwise it
// creates a schema in that database, dropped at cleanup, and returns a DSN
// using it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	return pgschema.ForTest(t, dsn, "netid_audit")
}

func sampleRecord(i int) storage.Record {
	r := storage.Record{
		PersonID: fmt.Sprintf("person-%d", i%3),
		RPID:     fmt.Sprintf("rp-%d", i%4),
		RPName:   fmt.Sprintf("平台 %d", i%4),
		Channel:  []string{"session", "oidc", "presentation", "eid"}[i%4],
		Level:    []string{"basic", "password", "face"}[i%3],
		Provided: []string{"result", "sub", "age_over_18"}[:1+i%3],
		Outcome:  []string{"approved", "declined", "failed"}[i%3],
	}
	if i%2 == 0 {
		r.GuardianID = fmt.Sprintf("guardian-%d", i)
	}
	return r
}

// storeSource is the platform's API over a store, for the witness.
type storeSource struct {
	audit.StoreSource
	keys jose.JSONWebKeySet
}

func (s storeSource) JWKS(context.Context) (jose.JSONWebKeySet, error) { return s.keys, nil }

// parties are those who hold evidence about the log outside its tables:
// the platform's own verify reads only the database; the auditor keeps a
// tree head saved earlier; the witness keeps the heads it co-signed; the
// holder's wallet keeps the newest head it saw with its history.
type parties struct {
	keys    jose.JSONWebKeySet
	saved   storage.TreeHead // the auditor's
	witness *witness.Witness
	seen    treeproof.Head // the wallet's
	person  string
}

// party names who must detect a tamper.
type party string

const (
	platformVerify party = "platform verify"
	auditor        party = "auditor with a saved head"
	witnessParty   party = "witness"
	walletParty    party = "holder's wallet"
)

// detects reports whether p finds the log tampered with, and how.
func (ps *parties) detects(t *testing.T, st storage.Storage, p party) (bool, string) {
	t.Helper()
	ctx := t.Context()
	switch p {
	case platformVerify, auditor:
		var rep audit.Report
		var err error
		if p == platformVerify {
			rep, err = audit.Verify(ctx, st, ps.keys)
		} else {
			rep, err = audit.VerifyAgainstTree(ctx, st, ps.keys, ps.saved)
		}
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if rep.OK() {
			return false, ""
		}
		return true, rep.Problems[0].String()
	case witnessParty:
		_, err := ps.witness.Run(ctx)
		if err == nil {
			return false, ""
		}
		return true, err.Error()
	case walletParty:
		_, err := wallet.CheckHistory(ctx, storeSource{audit.StoreSource{Store: st}, ps.keys}, ps.keys, &ps.seen, holderHistory(t, st, ps.person))
		if err == nil {
			return false, ""
		}
		return true, err.Error()
	}
	t.Fatalf("unknown party %s", p)
	return false, ""
}

// TestTamperDetected writes 43 records, keeping a tree head every 8 sizes
// (the newest, of size 43, in the log's tail), lets every party take its
// evidence (the auditor saves the newest tree head, the witness co-signs
// it, the holder's wallet fetches its history), then tampers with the
// tables as an operator with database access could, one way per case,
// and checks the party named detects it. The chain and its heads every
// 100 records caught none of the cuts of the newest records (tail-*,
// all-*, heads-*): the tree head signed with each append, and the parties
// keeping one, do. A cut that also removes the heads over it leaves the
// database consistent only where it ends at a kept head's size.
func TestTamperDetected(t *testing.T) {
	const n = 43
	audit.KeepTreeHeadsEvery(t, 8)
	// The newest append's head, where each backend keeps it.
	tail := func(b *backend, set string) string {
		if b.sqlite {
			if set == "" {
				return `DELETE FROM tree_tail`
			}
			return `UPDATE tree_tail SET ` + set
		}
		if set == "" {
			set = `tree_size = NULL, tree_root = NULL, tree_frontier = NULL, tree_time = NULL, tree_signature = NULL`
		}
		return `UPDATE record_log_tail SET ` + set
	}
	clearTail := func(queries ...string) func(b *backend) []string {
		return func(b *backend) []string { return append(queries, tail(b, "")) }
	}
	column := func(b *backend, c string) string {
		if b.sqlite {
			return c
		}
		return "tree_" + c
	}
	// setTail sets column c of the newest append's head to the kept
	// head's of size from.
	setTail := func(c string, from int) func(b *backend) []string {
		return func(b *backend) []string {
			return []string{tail(b, column(b, c)+fmt.Sprintf(` = (SELECT %s FROM tree_heads WHERE size = %d)`, c, from))}
		}
	}
	cases := []struct {
		name string
		sql  func(b *backend) []string
		by   []party
		n    int // records in the log (0: n)
	}{
		// Each field of a record changed.
		{"field-seq", q(`UPDATE records SET seq = 1000 WHERE seq = 10`), []party{platformVerify, auditor, walletParty}, 0},
		{"field-id", q(`UPDATE records SET id = 'forged' WHERE seq = 10`), []party{platformVerify, auditor}, 0},
		{"field-time", func(b *backend) []string {
			if b.sqlite {
				return []string{`UPDATE records SET time = time + 1000000 WHERE seq = 10`}
			}
			return []string{`UPDATE records SET time = time + interval '1 second' WHERE seq = 10`}
		}, []party{platformVerify, auditor}, 0},
		{"field-person_id", q(`UPDATE records SET person_id = 'person-forged' WHERE seq = 10`), []party{platformVerify, auditor}, 0},
		{"field-rp_id", q(`UPDATE records SET rp_id = 'rp-forged' WHERE seq = 10`), []party{platformVerify, auditor}, 0},
		{"field-rp_name", q(`UPDATE records SET rp_name = 'forged' WHERE seq = 10`), []party{platformVerify, auditor}, 0},
		{"field-channel", q(`UPDATE records SET channel = 'forged' WHERE seq = 10`), []party{platformVerify, auditor}, 0},
		{"field-level", q(`UPDATE records SET level = 'forged' WHERE seq = 10`), []party{platformVerify, auditor}, 0},
		{"field-provided", q(`UPDATE records SET provided = NULL WHERE seq = 10`), []party{platformVerify, auditor}, 0},
		{"field-outcome", q(`UPDATE records SET outcome = 'forged' WHERE seq = 10`), []party{platformVerify, auditor}, 0},
		{"field-guardian_id", q(`UPDATE records SET guardian_id = 'forged' WHERE seq = 10`), []party{platformVerify, auditor}, 0},
		{"field-prev_hash", q(`UPDATE records SET prev_hash = hash WHERE seq = 10`), []party{platformVerify, auditor}, 0},
		{"field-hash", q(`UPDATE records SET hash = prev_hash WHERE seq = 10`), []party{platformVerify, auditor, walletParty}, 0},
		// Rows removed or moved.
		{"middle-row-deleted", q(`DELETE FROM records WHERE seq = 20`), []party{platformVerify, auditor}, 0},
		{"two-rows-swapped", q(`UPDATE records SET seq = -1 WHERE seq = 20`, `UPDATE records SET seq = 20 WHERE seq = 21`, `UPDATE records SET seq = 21 WHERE seq = -1`), []party{platformVerify, auditor}, 0},
		// The newest records cut, their tree heads left.
		{"tail-1", q(`DELETE FROM records WHERE seq > 42`), []party{platformVerify, auditor}, 0},
		{"tail-30", q(`DELETE FROM records WHERE seq > 13`), []party{platformVerify, auditor}, 0},
		{"all-records", q(`DELETE FROM records`), []party{platformVerify, auditor}, 0},
		// The newest records cut with every head over them. No signed
		// head ends at 42 or at 13 (only the newest append's and every
		// eighth are stored), so records are left that no head covers;
		// at a kept size (40) the database is consistent again, and the
		// evidence kept outside shows the cut.
		{"tail-1-and-heads", clearTail(`DELETE FROM records WHERE seq > 42`, `DELETE FROM heads WHERE seq > 42`), []party{platformVerify, auditor, witnessParty, walletParty}, 0},
		{"tail-30-and-heads", clearTail(`DELETE FROM records WHERE seq > 13`, `DELETE FROM tree_heads WHERE size > 13`, `DELETE FROM heads WHERE seq > 13`), []party{platformVerify, auditor, witnessParty, walletParty}, 0},
		{"tail-to-a-kept-head", clearTail(`DELETE FROM records WHERE seq > 40`, `DELETE FROM heads WHERE seq > 40`), []party{auditor, witnessParty, walletParty}, 0},
		{"all-records-and-heads", clearTail(`DELETE FROM records`, `DELETE FROM tree_heads`, `DELETE FROM heads`, `DELETE FROM tree_nodes`), []party{auditor, witnessParty, walletParty}, 0},
		// Heads deleted, records kept.
		{"newest-head-deleted", clearTail(), []party{platformVerify, witnessParty, walletParty}, 0},
		{"newest-heads-deleted", clearTail(`DELETE FROM tree_heads WHERE size > 30`), []party{platformVerify, witnessParty, walletParty}, 0},
		{"kept-head-deleted", q(`DELETE FROM tree_heads WHERE size = 16`), []party{platformVerify}, 0},
		{"all-heads-deleted", clearTail(`DELETE FROM tree_heads`, `DELETE FROM heads`), []party{platformVerify, witnessParty, walletParty}, 0},
		// A head changed: its root, or its signature taken from another.
		{"head-root-changed", q(`UPDATE tree_heads SET root = (SELECT t.root FROM tree_heads t WHERE t.size = 32) WHERE size = 40`), []party{platformVerify}, 0},
		{"head-signature-changed", q(`UPDATE tree_heads SET signature = (SELECT signature FROM tree_heads t WHERE t.size = 32) WHERE size = 40`), []party{platformVerify}, 0},
		{"newest-root-changed", setTail("root", 40), []party{platformVerify}, 0},
		{"newest-signature-changed", setTail("signature", 40), []party{platformVerify, witnessParty, walletParty}, 0},
		// The log ends at a kept size: the newest append's head is stored
		// twice, and the copy in the tail, which the next append extends,
		// is changed.
		{"newest-at-a-kept-size-root-changed", setTail("root", 32), []party{platformVerify}, 40},
		{"newest-at-a-kept-size-signature-changed", setTail("signature", 32), []party{platformVerify, witnessParty, walletParty}, 40},
		{"newest-at-a-kept-size-frontier-changed", setTail("frontier", 32), []party{platformVerify}, 40},
	}
	backends(t, func(t *testing.T, b *backend) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				st := b.open(t)
				ctx := t.Context()
				// A fresh log per case: empty the tables first.
				for _, tbl := range []string{"records", "heads", "tree_heads", "tree_nodes"} {
					b.exec(t, "DELETE FROM "+tbl)
				}
				b.exec(t, tail(b, ""))
				if !b.sqlite {
					b.exec(t, `UPDATE record_log_tail SET seq = 0`)
				}
				key := newPlatformKey(t)
				l := &audit.Log{Store: st, Keys: key}
				for i := range cmp.Or(tc.n, n) {
					if _, err := l.Append(ctx, sampleRecord(i)); err != nil {
						t.Fatal(err)
					}
				}
				ps := takeEvidence(t, st, key, "person-0")
				for _, p := range []party{platformVerify, auditor, witnessParty, walletParty} {
					if found, how := ps.detects(t, st, p); found {
						t.Fatalf("%s finds the untouched log tampered with: %s", p, how)
					}
				}
				for _, query := range tc.sql(b) {
					b.exec(t, query)
				}
				for _, p := range tc.by {
					found, how := ps.detects(t, st, p)
					if !found {
						t.Errorf("%s does not detect %s", p, tc.name)
						continue
					}
					t.Logf("%s detects it: %s", p, how)
				}
			})
		}
	})
}

func q(queries ...string) func(*backend) []string {
	return func(*backend) []string { return queries }
}

// takeEvidence has each party take its evidence from the log as it is.
func takeEvidence(t *testing.T, st storage.Storage, key *platformKey, person string) *parties {
	t.Helper()
	ctx := t.Context()
	keys := key.jwks()
	latest, err := st.LatestTreeHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := audit.ParseTreeHead(latest.Signature, keys)
	if err != nil {
		t.Fatal(err)
	}
	w := &witness.Witness{Dir: t.TempDir(), Source: storeSource{audit.StoreSource{Store: st}, keys}}
	if _, err := w.Run(ctx); err != nil {
		t.Fatalf("witness: %v", err)
	}
	seen, err := wallet.CheckHistory(ctx, storeSource{audit.StoreSource{Store: st}, keys}, keys, nil, holderHistory(t, st, person))
	if err != nil {
		t.Fatalf("wallet: %v", err)
	}
	return &parties{keys: keys, saved: saved, witness: w, seen: seen, person: person}
}

// holderHistory is what the platform answers a holder's history (the
// newest tree head, each record with its inclusion proof), built as the
// server builds it; a missing node leaves the record without a proof.
func holderHistory(t *testing.T, st storage.Storage, person string) wallet.ProvenHistory {
	t.Helper()
	ctx := t.Context()
	recs, err := st.ListPersonRecords(ctx, person, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var h wallet.ProvenHistory
	head, err := st.LatestTreeHead(ctx)
	if errors.Is(err, storage.ErrNotFound) {
		for _, r := range recs {
			h.Records = append(h.Records, wallet.ProvenRecord{Seq: r.Seq, Hash: r.Hash})
		}
		return h
	}
	if err != nil {
		t.Fatal(err)
	}
	h.Head = head.Signature
	for _, r := range recs {
		pr := wallet.ProvenRecord{Seq: r.Seq, Hash: r.Hash}
		if r.Seq <= head.Size {
			pr.Inclusion, _ = audit.InclusionProof(ctx, st, r.Seq, head.Size)
		}
		h.Records = append(h.Records, pr)
	}
	return h
}

// TestConcurrentAppendsOneTree appends from two goroutines, each through
// its own connection pool (on PostgreSQL: two connections racing for the
// log's tail), and checks that the heads the appends signed form one
// tree: a head for every size, each extending the one before, every
// record in the last; and that the store kept the heads of the kept sizes
// and the newest.
func TestConcurrentAppendsOneTree(t *testing.T) {
	audit.KeepTreeHeadsEvery(t, 5)
	backends(t, func(t *testing.T, b *backend) {
		ctx := t.Context()
		key := newPlatformKey(t)
		const each = 25
		var wg sync.WaitGroup
		var mu sync.Mutex
		var heads []storage.TreeHead
		for w := range 2 {
			st := b.open(t)
			l := &audit.Log{Store: st, Keys: key}
			wg.Go(func() {
				for i := range each {
					_, h, err := l.AppendTree(ctx, st, sampleRecord(w*each+i))
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					heads = append(heads, h)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		keys := key.jwks()
		rep, err := audit.Verify(ctx, b.store, keys)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.Records != 2*each || rep.TreeHeads != 2*each/5 {
			t.Fatalf("%d records, %d tree heads stored, problems %v", rep.Records, rep.TreeHeads, rep.Problems)
		}
		slices.SortFunc(heads, func(a, b storage.TreeHead) int { return cmp.Compare(a.Size, b.Size) })
		for i, h := range heads {
			if h.Size != int64(i+1) {
				t.Fatalf("the appends signed heads of sizes %v, want 1 to %d", headSizes(heads), 2*each)
			}
		}
		stored, err := b.store.ListTreeHeads(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if got := headSizes(stored); !slices.Equal(got, []int64{5, 10, 15, 20, 25, 30, 35, 40, 45, 50}) {
			t.Fatalf("stored tree heads of sizes %v, want every fifth", got)
		}
		src := audit.StoreSource{Store: b.store}
		for i := 1; i < len(heads); i++ {
			older, newer := audit.ProofHead(heads[i-1]), audit.ProofHead(heads[i])
			if err := treeproof.Extends(ctx, src, older, newer); err != nil {
				t.Fatalf("head %d does not extend head %d: %v", newer.Size, older.Size, err)
			}
		}
		first, last := audit.ProofHead(heads[0]), audit.ProofHead(heads[len(heads)-1])
		if err := treeproof.Extends(ctx, src, first, last); err != nil {
			t.Fatal(err)
		}
		recs, err := b.store.ListRecords(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			p, err := audit.InclusionProof(ctx, b.store, r.Seq, last.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := treeproof.VerifyInclusion(last, r.Seq, r.Hash, p); err != nil {
				t.Fatalf("record %d: %v", r.Seq, err)
			}
		}
	})
}

// headSizes lists the sizes of heads.
func headSizes(heads []storage.TreeHead) []int64 {
	out := make([]int64, len(heads))
	for i, h := range heads {
		out[i] = h.Size
	}
	return out
}

// busyStore calls after (when set) after each read Verify makes: another
// process appending, as the platform does while an operator runs netid
// admin audit verify, or rows written around the platform.
type busyStore struct {
	storage.Storage
	after func(read string)
}

func (s *busyStore) then(read string) {
	if s.after != nil {
		s.after(read)
	}
}

func (s *busyStore) ListHeads(ctx context.Context) ([]storage.Head, error) {
	defer s.then("ListHeads")
	return s.Storage.ListHeads(ctx)
}

func (s *busyStore) LatestTreeHead(ctx context.Context) (storage.TreeHead, error) {
	defer s.then("LatestTreeHead")
	return s.Storage.LatestTreeHead(ctx)
}

func (s *busyStore) ListRecords(ctx context.Context, after int64, limit int) ([]storage.Record, error) {
	defer s.then("ListRecords")
	return s.Storage.ListRecords(ctx, after, limit)
}

func (s *busyStore) ListTreeHeads(ctx context.Context, after int64, limit int) ([]storage.TreeHead, error) {
	defer s.then("ListTreeHeads")
	return s.Storage.ListTreeHeads(ctx, after, limit)
}

// TestVerifyWhileAppending runs Verify on a log that grows between each
// of its reads, over several pages of records and heads: an intact log
// verifies, whatever heads were replaced since the walk began, and a
// record written around the platform is still found, before the walk
// begins or while it runs.
func TestVerifyWhileAppending(t *testing.T) {
	audit.KeepTreeHeadsEvery(t, 3)
	audit.PageBy(t, 4)
	backends(t, func(t *testing.T, b *backend) {
		ctx := t.Context()
		key := newPlatformKey(t)
		l := &audit.Log{Store: b.store, Keys: key}
		appendSamples(t, l, 0, 20)
		other := &audit.Log{Store: b.open(t), Keys: key}
		appended := 0
		st := &busyStore{Storage: b.store, after: func(string) {
			appended++
			if _, err := other.Append(ctx, sampleRecord(1000+appended)); err != nil {
				t.Fatal(err)
			}
		}}
		for round := range 3 {
			rep, err := audit.Verify(ctx, st, key.jwks())
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || rep.Records < int64(20+round) {
				t.Fatalf("round %d: an intact log appended to during Verify: %d records, problems %v", round, rep.Records, rep.Problems)
			}
		}
		quiet, err := audit.Verify(ctx, b.store, key.jwks())
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(20 + appended); !quiet.OK() || quiet.Records != want {
			t.Fatalf("after the appends: %d records (want %d), problems %v", quiet.Records, want, quiet.Problems)
		}
		forge := func(t *testing.T, seq int64) {
			b.exec(t, fmt.Sprintf(`INSERT INTO records (seq, id, time, person_id, guardian_id, rp_id, rp_name, channel, level, provided, outcome, prev_hash, hash)
				SELECT seq + 1, 'forged-%d', time, person_id, guardian_id, rp_id, rp_name, channel, level, provided, outcome, hash, hash FROM records WHERE seq = %d`, seq, seq))
		}
		// Written while the walk runs, after its first page of records.
		pages := 0
		st.after = func(string) {
			if pages++; pages == 4 {
				forge(t, quiet.Records)
			}
		}
		rep, err := audit.Verify(ctx, st, key.jwks())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Count(audit.KindHeadMissing) != 1 {
			t.Fatalf("a record written while Verify runs: problems %v, want one head-missing", rep.Problems)
		}
		// And before it begins.
		forge(t, quiet.Records+1)
		rep, err = audit.Verify(ctx, b.store, key.jwks())
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(rep.Problems, func(p audit.Problem) bool { return p.Kind == audit.KindHeadMissing })
		if rep.Count(audit.KindHeadMissing) != 1 || rep.Problems[i].Seq != quiet.Records+1 || rep.Problems[i].Last != quiet.Records+2 {
			t.Fatalf("two records written after the newest head: problems %v, want one head-missing over both", rep.Problems)
		}
	})
}

// TestVerifyWhileAppendingAtPageEnds grows the log between each of
// Verify's reads, chain heads signed too, from logs whose pages of heads
// end at the newest head's size or short of it, kept or not.
func TestVerifyWhileAppendingAtPageEnds(t *testing.T) {
	audit.KeepTreeHeadsEvery(t, 3)
	audit.PageBy(t, 4)
	for _, n := range []int{11, 12, 23, 24} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			backends(t, func(t *testing.T, b *backend) {
				ctx := t.Context()
				key := newPlatformKey(t)
				l := &audit.Log{Store: b.store, Keys: key}
				appendSamples(t, l, 0, n)
				if _, err := l.SignHead(ctx); err != nil {
					t.Fatal(err)
				}
				other := &audit.Log{Store: b.open(t), Keys: key}
				k := 0
				st := &busyStore{Storage: b.store, after: func(string) {
					k++
					if _, err := other.Append(ctx, sampleRecord(1000+k)); err != nil {
						t.Fatal(err)
					}
					if k%2 == 0 {
						if _, err := other.SignHead(ctx); err != nil {
							t.Fatal(err)
						}
					}
				}}
				rep, err := audit.Verify(ctx, st, key.jwks())
				if err != nil {
					t.Fatal(err)
				}
				if !rep.OK() || rep.Records <= int64(n) {
					t.Fatalf("%d records, %d tree heads, problems %v", rep.Records, rep.TreeHeads, rep.Problems)
				}
			})
		})
	}
}

// TestVerifyForgedWhileWalking: a record and a tree head over it written
// around the platform (the head not signed by its key) while Verify runs.
func TestVerifyForgedWhileWalking(t *testing.T) {
	audit.KeepTreeHeadsEvery(t, 3)
	audit.PageBy(t, 4)
	backends(t, func(t *testing.T, b *backend) {
		ctx := t.Context()
		key := newPlatformKey(t)
		l := &audit.Log{Store: b.store, Keys: key}
		appendSamples(t, l, 0, 10)
		head := `INSERT INTO tree_heads (size, root, frontier, time, signature) VALUES (11, x'00', x'00', 0, 'forged')`
		if !b.sqlite {
			head = `INSERT INTO tree_heads (size, root, frontier, time, signature) VALUES (11, '\x00', '\x00', now(), 'forged')`
		}
		for _, at := range []int{1, 2, 3, 5} {
			t.Run(fmt.Sprint("after read ", at), func(t *testing.T) {
				b.exec(t, `DELETE FROM records WHERE seq > 10`)
				b.exec(t, `DELETE FROM tree_heads WHERE size > 10`)
				reads := 0
				st := &busyStore{Storage: b.store, after: func(string) {
					if reads++; reads == at {
						forgeRecord(t, b, 10)
						b.exec(t, head)
					}
				}}
				rep, err := audit.Verify(ctx, st, key.jwks())
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK() {
					t.Fatalf("Verify passed a log given a record and a tree head written around the platform after read %d", at)
				}
				t.Logf("found: %v", rep.Problems)
			})
		}
	})
}

// appendSamples appends sampleRecord(i) through l, for i from from to
// to-1.
func appendSamples(t *testing.T, l *audit.Log, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if _, err := l.Append(t.Context(), sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
}

// forgeRecord writes a record after seq directly, with a copy of seq's
// content and hash.
func forgeRecord(t *testing.T, b *backend, seq int64) {
	t.Helper()
	b.exec(t, fmt.Sprintf(`INSERT INTO records (seq, id, time, person_id, guardian_id, rp_id, rp_name, channel, level, provided, outcome, prev_hash, hash)
		SELECT seq + 1, 'forged-%d', time, person_id, guardian_id, rp_id, rp_name, channel, level, provided, outcome, hash, hash FROM records WHERE seq = %d`, seq, seq))
}

// TestVerifyChecksRecordsPastTheNewestHead: with the newest head removed
// (or set back to an older one), the records it covered are still each
// checked against the chain, not only reported as covered by no head.
func TestVerifyChecksRecordsPastTheNewestHead(t *testing.T) {
	audit.KeepTreeHeadsEvery(t, 8)
	backends(t, func(t *testing.T, b *backend) {
		ctx := t.Context()
		key := newPlatformKey(t)
		l := &audit.Log{Store: b.store, Keys: key}
		appendSamples(t, l, 0, 12)
		given, err := b.store.LatestTreeHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		appendSamples(t, l, 12, 20)
		if b.sqlite {
			b.exec(t, `DELETE FROM tree_tail`)
		} else {
			b.exec(t, `UPDATE record_log_tail SET tree_size = NULL, tree_root = NULL, tree_frontier = NULL, tree_time = NULL, tree_signature = NULL`)
		}
		b.exec(t, `UPDATE records SET rp_name = 'forged' WHERE seq = 15`)
		b.exec(t, `DELETE FROM records WHERE seq = 18`)
		for name, verify := range map[string]func() (audit.Report, error){
			"Verify":            func() (audit.Report, error) { return audit.Verify(ctx, b.store, key.jwks()) },
			"VerifyAgainstTree": func() (audit.Report, error) { return audit.VerifyAgainstTree(ctx, b.store, key.jwks(), given) },
		} {
			rep, err := verify()
			if err != nil {
				t.Fatal(err)
			}
			if rep.Count(audit.KindHeadMissing) != 1 || rep.Count(audit.KindAltered) != 1 || rep.Count(audit.KindRemoved) != 1 {
				t.Errorf("%s: problems %v, want the records after 8 covered by no head, 15 altered and 18 removed", name, rep.Problems)
			}
		}
	})
}

// TestVerifyEmptyLogAppendedTo: the log is empty when Verify reads its
// records, and the platform appends before Verify lists the heads.
func TestVerifyEmptyLogAppendedTo(t *testing.T) {
	backends(t, func(t *testing.T, b *backend) {
		ctx := t.Context()
		key := newPlatformKey(t)
		other := &audit.Log{Store: b.open(t), Keys: key}
		st := &busyStore{Storage: b.store, after: func(read string) {
			if read == "ListRecords" {
				if _, err := other.Append(ctx, sampleRecord(1)); err != nil {
					t.Fatal(err)
				}
			}
		}}
		rep, err := audit.Verify(ctx, st, key.jwks())
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Fatalf("an intact log, empty when Verify began: %v", rep.Problems)
		}
	})
}

// TestVerifyWhileAppendingAtRandom verifies intact logs of random lengths,
// page sizes and kept sizes while appends (a random number after each
// read, chain heads now and then) land between Verify's reads; with a
// head saved before, VerifyAgainstTree too.
func TestVerifyWhileAppendingAtRandom(t *testing.T) {
	for seed := range 30 {
		r := mrand.New(mrand.NewPCG(uint64(seed), 7))
		page, kept, n, most := 1+r.IntN(5), int64(1+r.IntN(5)), r.IntN(40), r.IntN(7)
		t.Run(fmt.Sprintf("seed%d-page%d-kept%d-n%d-most%d", seed, page, kept, n, most), func(t *testing.T) {
			audit.KeepTreeHeadsEvery(t, kept)
			audit.PageBy(t, page)
			// All on SQLite, the first 8 on PostgreSQL (a schema each).
			someBackends(t, seed < 8, func(t *testing.T, b *backend) {
				ctx := t.Context()
				key := newPlatformKey(t)
				l := &audit.Log{Store: b.store, Keys: key}
				appendSamples(t, l, 0, n)
				saved, savedErr := b.store.LatestTreeHead(ctx)
				other := &audit.Log{Store: b.open(t), Keys: key}
				appended, budget := 0, 0
				st := &busyStore{Storage: b.store, after: func(string) {
					m := r.IntN(most + 1)
					if budget <= 0 {
						return
					}
					budget -= m
					for range m {
						appended++
						if _, err := other.Append(ctx, sampleRecord(1000+appended)); err != nil {
							t.Fatal(err)
						}
					}
					if r.IntN(4) == 0 && n+appended > 0 {
						if _, err := other.SignHead(ctx); err != nil {
							t.Fatal(err)
						}
					}
				}}
				for round := range 3 {
					budget = 40
					rep, err := audit.Verify(ctx, st, key.jwks())
					if err != nil {
						t.Fatal(err)
					}
					if !rep.OK() {
						t.Errorf("round %d, Verify: %d records, problems %v", round, rep.Records, rep.Problems)
					}
					if savedErr != nil {
						continue
					}
					budget = 40
					if rep, err = audit.VerifyAgainstTree(ctx, st, key.jwks(), saved); err != nil {
						t.Fatal(err)
					}
					if !rep.OK() {
						t.Errorf("round %d, VerifyAgainstTree: %d records, problems %v", round, rep.Records, rep.Problems)
					}
				}
			})
		})
	}
}
