package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

var records = newTable("records", "record",
	`seq, id, time, person_id, rp_id, rp_name, channel, level, provided, outcome,
	guardian_id, prev_hash, hash`,
	func(r *storage.Record) []any {
		return []any{&r.Seq, &r.ID, &r.Time, &r.PersonID, &r.RPID, &r.RPName, &r.Channel, &r.Level, &r.Provided, &r.Outcome,
			&r.GuardianID, &r.PrevHash, &r.Hash}
	})

// insertAtTail inserts a record and keeps its time ($3) and hash ($13) in
// the tail row, in one statement, where the flavor keeps the tail in a row
// (takeTail): the next append takes the predecessor's Seq, time and hash
// with the tail, and reads nothing else.
var insertAtTail = `WITH tail AS (UPDATE record_log_tail SET last_time = $3, last_hash = $13) ` + records.insert

// predecessorAt reads the record of Seq $1 and time $2, for a tail that
// does not keep the last hash yet.
var predecessorAt = records.byKey + ` AND time = $2`

// lastLink reads the last record's Seq, time and hash, where the
// transaction's own lock holds the log's end (no takeTail).
var lastLink = `SELECT seq, time, hash FROM records ORDER BY seq DESC LIMIT 1`

// errTailMismatch is returned by AppendRecord when the log's tail names a
// Seq whose predecessor is missing: it never chains a record to a guess.
var errTailMismatch = errors.New("the record log's tail and its last record disagree")

// AppendRecord appends r at the end of the log, in a transaction that
// holds the log's tail from before it reads the last record until it
// commits: racing appends serialise, each reads its true predecessor, and
// Seq values are contiguous. chain runs under that hold and must not call
// back into the Store.
func (s *Store) AppendRecord(ctx context.Context, r storage.Record, chain func(prev *storage.Record, r storage.Record) (storage.Record, error)) (storage.Record, error) {
	const op = "append record"
	var out storage.Record
	err := s.inTx(ctx, op, func(tx *Store) error {
		prev, seq, err := tx.tail(ctx, op)
		if err != nil {
			return err
		}
		// chain sees r as it will read back, so that a hash it computes
		// covers the stored values (times truncated, empty slices nil).
		r = readBack(r)
		r.Seq = seq
		if chain != nil {
			var next storage.Record
			next, err = chain(prev, r)
			if err != nil {
				tx.giveBackTail(ctx, op)
				return err
			}
			r = next
			r.Seq = seq
		}
		insert := records.insert
		if tx.f.takeTail != "" {
			insert = insertAtTail
		}
		if _, err := tx.exec(ctx, insert, records.args(r)...); err != nil {
			return tx.fail(op, err)
		}
		out = readBack(r)
		return nil
	})
	return out, err
}

// giveBackTail gives back the Seq an append took when its chain or extend
// function failed, for the next append of the same transaction (the
// function's error is what the caller returns; a failure to give back
// spoils the transaction).
func (s *Store) giveBackTail(ctx context.Context, op string) {
	if s.f.untakeTail == "" {
		return
	}
	if _, err := s.exec(ctx, s.f.untakeTail); err != nil {
		_ = s.fail(op+": give back the tail", err)
	}
}

// tail holds the log's tail for the rest of the transaction and returns
// the last record's link (nil if the log is empty: see link) and the next
// Seq.
//
// Where the flavor takes the tail (takeTail), the statement that takes it
// returns the last record's time and hash too, which the statement that
// inserted that record kept in the tail row: under the tail's row lock, so
// they are the true predecessor's, whatever committed while the take
// waited. A tail that does not keep the hash yet (written before it did)
// has the predecessor read by (seq, time) in a second statement, which
// sees what committed during the wait since its snapshot is taken after it.
func (s *Store) tail(ctx context.Context, op string) (*storage.Record, int64, error) {
	if s.f.takeTail == "" {
		var last storage.Record
		if err := s.queryRow(ctx, lastLink).Scan(&last.Seq, &last.Time, &last.Hash); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, 1, nil
			}
			return nil, 0, s.fail(op+": read the last record", err)
		}
		last.Time = last.Time.UTC()
		return &last, last.Seq + 1, nil
	}
	return s.takeTailRow(ctx, op, s.f.takeTail)
}

// takeTailRow runs take, a statement that takes the tail as takeTail does
// and returns the new Seq and the last record's time and hash, then
// whatever further columns it returns into extra.
func (s *Store) takeTailRow(ctx context.Context, op, take string, extra ...any) (*storage.Record, int64, error) {
	var seq int64
	var lastTime time.Time
	var lastHash []byte
	if err := s.queryRow(ctx, take).Scan(append([]any{&seq, &lastTime, &lastHash}, extra...)...); err != nil {
		return nil, 0, s.fail(op+": take the tail", err)
	}
	if seq == 1 {
		return nil, seq, nil
	}
	if len(lastHash) > 0 && !lastTime.IsZero() {
		return &storage.Record{Seq: seq - 1, Time: lastTime.UTC(), Hash: lastHash}, seq, nil
	}
	var last storage.Record
	var err error
	if lastTime.IsZero() {
		// A tail written before it kept the last time: by seq alone.
		last, err = get(ctx, s, records, op+": read the predecessor", records.byKey, seq-1)
	} else {
		last, err = get(ctx, s, records, op+": read the predecessor", predecessorAt, seq-1, lastTime)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil, 0, s.fail(op, fmt.Errorf("%w at Seq %d", errTailMismatch, seq))
	}
	if err != nil {
		return nil, 0, err
	}
	return &storage.Record{Seq: last.Seq, Time: last.Time, Hash: last.Hash}, seq, nil
}

// treeQueries read the stored tree heads: the kept ones, in tree_heads,
// and the newest append's, kept or not, from where the flavor keeps it.
// Each part of a union is bounded on its own, so that no query reads more
// of tree_heads than its answer (a log written before heads were thinned
// has one for every size).
type treeQueries struct {
	// logEnd reads the last record's Seq, time and hash and the newest
	// tree head's size and frontier in one statement, where the
	// transaction's own lock holds the log's end (no takeTail): a Seq of
	// 0 means no record, a size of -1 no tree head.
	logEnd string
	// latest, bySize ($1) and list (Size > $1, at most $2) read heads.
	// Where a kept head and the newest append's have the same size (the
	// log ends at a kept size), they are the same head written twice:
	// latest and logEnd answer the newest append's, which the next append
	// builds on (as PostgreSQL's takeTree does), so that Verify, which
	// lists the kept heads and adds the latest, checks both; bySize and
	// list answer the kept one.
	latest, bySize, list string
}

// newTreeQueries returns the queries of a flavor whose newest append's
// tree head tail selects (size, root, frontier, time, signature).
func newTreeQueries(tail string) treeQueries {
	const cols = `size, root, frontier, time, signature`
	tailHeads := `SELECT 1 AS k, ` + cols + ` FROM (` + tail + `) AS tail`
	return treeQueries{
		logEnd: `SELECT coalesce(r.seq, 0), r.time, r.hash, coalesce(h.size, -1), h.frontier
			FROM (SELECT 1) AS one
			LEFT JOIN (SELECT seq, time, hash FROM records ORDER BY seq DESC LIMIT 1) AS r ON 1 = 1
			LEFT JOIN (SELECT size, frontier FROM (
				SELECT 0 AS k, size, frontier FROM (SELECT size, frontier FROM tree_heads ORDER BY size DESC LIMIT 1) AS kept
				UNION ALL SELECT 1 AS k, size, frontier FROM (` + tail + `) AS tail
			) AS n ORDER BY size DESC, k DESC LIMIT 1) AS h ON 1 = 1`,
		latest: `SELECT ` + cols + ` FROM (
			SELECT * FROM (SELECT 0 AS k, ` + cols + ` FROM tree_heads ORDER BY size DESC LIMIT 1) AS kept
			UNION ALL ` + tailHeads + `
		) AS h ORDER BY size DESC, k DESC LIMIT 1`,
		bySize: `SELECT ` + cols + ` FROM (
			SELECT 0 AS k, ` + cols + ` FROM tree_heads WHERE size = $1
			UNION ALL ` + tailHeads + ` WHERE size = $1
		) AS h ORDER BY k LIMIT 1`,
		list: `SELECT ` + cols + ` FROM (
			SELECT * FROM (SELECT 0 AS k, ` + cols + ` FROM tree_heads WHERE size > $1 ORDER BY size LIMIT $2) AS kept
			UNION ALL ` + tailHeads + ` WHERE size > $1 AND NOT EXISTS (SELECT 1 FROM tree_heads WHERE tree_heads.size = tail.size)
		) AS h ORDER BY size, k LIMIT $2`,
	}
}

// AppendTreeRecord appends r and the Merkle tree's nodes and head over
// it, holding the log's tail as AppendRecord does.
//
// On PostgreSQL the tail row also keeps the tree's size and frontier,
// written by the statement that stores each append, so the statement that
// takes the tail returns the whole end of the log, and one more statement
// stores the record, the nodes and the head and updates the tail: two
// statements while every other append waits, instead of five. A tail
// whose tree does not end at the last record (written before it kept the
// tree, or by AppendRecord, which does not extend it) has the newest tree
// head read in a second statement. On SQLite one statement reads the last
// record and the newest tree head, and three store the append (four when
// the head is kept).
func (s *Store) AppendTreeRecord(ctx context.Context, r storage.Record, extend func(rd storage.LogReader, end storage.LogEnd, r storage.Record) (storage.LogAppend, error)) (storage.Record, error) {
	const op = "append record"
	var out storage.Record
	err := s.inTx(ctx, op, func(tx *Store) error {
		end, seq, err := tx.logEnd(ctx, op)
		if err != nil {
			return err
		}
		r = readBack(r)
		r.Seq = seq
		a, err := extend(tx, end, r)
		if err != nil {
			tx.giveBackTail(ctx, op)
			return err
		}
		a.Record.Seq = seq
		if a.Head.Size != seq {
			return tx.fail(op, fmt.Errorf("a tree head of size %d for the record of Seq %d", a.Head.Size, seq))
		}
		if err := tx.storeAppend(ctx, op, a); err != nil {
			return err
		}
		out = readBack(a.Record)
		return nil
	})
	return out, err
}

// logEnd holds the log's tail and returns the end of the log and the next
// Seq.
func (s *Store) logEnd(ctx context.Context, op string) (storage.LogEnd, int64, error) {
	var end storage.LogEnd
	if s.f.takeTree == "" {
		var seq, size int64
		var last storage.Record
		var frontier []byte
		if err := s.queryRow(ctx, s.f.tree.logEnd).Scan(&seq, &last.Time, &last.Hash, &size, &frontier); err != nil {
			return end, 0, s.fail(op+": read the end of the log", err)
		}
		if seq > 0 {
			last.Seq = seq
			end.Last = &last
		}
		if size >= 0 {
			end.Tree = &storage.TreeHead{Size: size, Frontier: frontier}
		}
		return end, seq + 1, nil
	}
	var size int64
	var frontier []byte
	last, seq, err := s.takeTailRow(ctx, op, s.f.takeTree, &size, &frontier)
	if err != nil {
		return end, 0, err
	}
	end.Last = last
	if size == seq-1 && size > 0 && len(frontier) > 0 {
		end.Tree = &storage.TreeHead{Size: size, Frontier: frontier}
		return end, seq, nil
	}
	h, err := s.LatestTreeHead(ctx)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return end, 0, err
	default:
		end.Tree = &h
	}
	return end, seq, nil
}

// storeAppend writes a: on PostgreSQL in one statement (appendTree), sent
// with the transaction's COMMIT, which also keeps the record's time and
// hash and the tree's end, its head included, in the tail row; elsewhere
// the record, the nodes and the head (in tree_tail, replacing the previous
// append's) one after the other.
// Either way the head goes to tree_heads too if a keeps it.
func (s *Store) storeAppend(ctx context.Context, op string, a storage.LogAppend) error {
	if s.f.appendTree == "" {
		if _, err := s.exec(ctx, records.insert, records.args(a.Record)...); err != nil {
			return s.fail(op, err)
		}
		if err := s.PutTreeNodes(ctx, a.Nodes); err != nil {
			return err
		}
		if _, err := s.exec(ctx, putTreeTail, treeHeads.args(a.Head)...); err != nil {
			return s.fail(op+": store the tree head", err)
		}
		if !a.Keep {
			return nil
		}
		return s.PutTreeHead(ctx, a.Head)
	}
	levels := make([]int16, len(a.Nodes))
	indexes := make([]int64, len(a.Nodes))
	hashes := make([][]byte, len(a.Nodes))
	for i, n := range a.Nodes {
		levels[i], indexes[i], hashes[i] = int16(n.Level), n.Index, n.Hash
	}
	args := append(records.args(a.Record),
		a.Head.Size, a.Head.Root, a.Head.Frontier, a.Head.Time, a.Head.Signature,
		levels, indexes, hashes, a.Keep)
	// The append is the transaction's last change, and nothing waits on
	// its result: on PostgreSQL it goes to the server with COMMIT.
	if err := s.execLast(ctx, s.f.appendTree, args...); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// ListRecords returns up to limit records with Seq > after, by Seq.
func (s *Store) ListRecords(ctx context.Context, after int64, limit int) ([]storage.Record, error) {
	if limit < 1 {
		return nil, nil
	}
	return list(ctx, s, records, "list records", records.selectAll+`
		WHERE seq > $1 ORDER BY seq ASC LIMIT $2`, after, limit)
}

// ListPersonRecords returns up to limit of personID's records with
// Seq < before (before 0: from the newest), newest first, through the index
// records_person_seq.
func (s *Store) ListPersonRecords(ctx context.Context, personID string, before int64, limit int) ([]storage.Record, error) {
	if limit < 1 {
		return nil, nil
	}
	if before == 0 {
		return list(ctx, s, records, "list person records", records.selectAll+`
			WHERE person_id = $1 ORDER BY seq DESC LIMIT $2`, personID, limit)
	}
	return list(ctx, s, records, "list person records", records.selectAll+`
		WHERE person_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`, personID, before, limit)
}

// ---- Heads ----

var heads = newTable("heads", "head", `seq, hash, time, signature`,
	func(h *storage.Head) []any { return []any{&h.Seq, &h.Hash, &h.Time, &h.Signature} })

// PutHead stores h; ErrAlreadyExists if a head for h.Seq is stored.
func (s *Store) PutHead(ctx context.Context, h storage.Head) error {
	if _, err := s.exec(ctx, heads.insert, heads.args(h)...); err != nil {
		return s.fail("put head", err)
	}
	return nil
}

// ListHeads returns every stored head ordered by Seq.
func (s *Store) ListHeads(ctx context.Context) ([]storage.Head, error) {
	return list(ctx, s, heads, "list heads", heads.selectAll+` ORDER BY seq`)
}

// ---- Merkle tree heads and nodes ----

var treeHeads = newTable("tree_heads", "tree head", `size, root, frontier, time, signature`,
	func(h *storage.TreeHead) []any { return []any{&h.Size, &h.Root, &h.Frontier, &h.Time, &h.Signature} })

// putTreeTail stores the newest append's tree head in tree_tail, where
// the flavor keeps no tail row (SQLite), replacing the previous one.
var putTreeTail = `INSERT INTO tree_tail (one, size, root, frontier, time, signature) VALUES (1, $1, $2, $3, $4, $5)
	ON CONFLICT (one) DO UPDATE SET size = excluded.size, root = excluded.root, frontier = excluded.frontier,
		time = excluded.time, signature = excluded.signature`

// PutTreeHead stores h and keeps it; ErrAlreadyExists if a kept head of
// h.Size is stored.
func (s *Store) PutTreeHead(ctx context.Context, h storage.TreeHead) error {
	if _, err := s.exec(ctx, treeHeads.insert, treeHeads.args(h)...); err != nil {
		return s.fail("put tree head", err)
	}
	return nil
}

// GetTreeHead returns the stored tree head of the given size.
func (s *Store) GetTreeHead(ctx context.Context, size int64) (storage.TreeHead, error) {
	return get(ctx, s, treeHeads, "get tree head", s.f.tree.bySize, size)
}

// LatestTreeHead returns the stored tree head of the largest size: the
// newest append's (also where a kept head has its size), or a kept head
// put after it.
func (s *Store) LatestTreeHead(ctx context.Context) (storage.TreeHead, error) {
	return get(ctx, s, treeHeads, "latest tree head", s.f.tree.latest)
}

// ListTreeHeads returns up to limit stored tree heads with Size > after,
// by Size.
func (s *Store) ListTreeHeads(ctx context.Context, after int64, limit int) ([]storage.TreeHead, error) {
	if limit < 1 {
		return nil, nil
	}
	return list(ctx, s, treeHeads, "list tree heads", s.f.tree.list, after, limit)
}

var treeNodes = newTable("tree_nodes", "tree node", `level, idx, hash`,
	func(n *storage.TreeNode) []any { return []any{&n.Level, &n.Index, &n.Hash} })

// PutTreeNodes stores nodes, replacing those at the same position, in one
// statement.
func (s *Store) PutTreeNodes(ctx context.Context, nodes []storage.TreeNode) error {
	if len(nodes) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO tree_nodes (level, idx, hash) VALUES `)
	args := make([]any, 0, 3*len(nodes))
	for i, n := range nodes {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
		args = append(args, treeNodes.args(n)...)
	}
	q.WriteString(` ON CONFLICT (level, idx) DO UPDATE SET hash = excluded.hash`)
	if _, err := s.exec(ctx, q.String(), args...); err != nil {
		return s.fail("put tree nodes", err)
	}
	return nil
}

// GetTreeNodes returns the nodes at the positions of ids, in that order,
// in one query.
func (s *Store) GetTreeNodes(ctx context.Context, ids []storage.TreeNode) ([]storage.TreeNode, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var q strings.Builder
	q.WriteString(treeNodes.selectAll + ` WHERE `)
	args := make([]any, 0, 2*len(ids))
	for i, id := range ids {
		if i > 0 {
			q.WriteString(" OR ")
		}
		fmt.Fprintf(&q, "(level = $%d AND idx = $%d)", 2*i+1, 2*i+2)
		args = append(args, id.Level, id.Index)
	}
	found, err := list(ctx, s, treeNodes, "get tree nodes", q.String(), args...)
	if err != nil {
		return nil, err
	}
	type pos struct {
		level int
		index int64
	}
	byPos := make(map[pos][]byte, len(found))
	for _, n := range found {
		byPos[pos{n.Level, n.Index}] = n.Hash
	}
	out := make([]storage.TreeNode, len(ids))
	for i, id := range ids {
		h, ok := byPos[pos{id.Level, id.Index}]
		if !ok {
			return nil, fmt.Errorf("sqlstore: tree node (%d, %d): %w", id.Level, id.Index, storage.ErrNotFound)
		}
		out[i] = storage.TreeNode{Level: id.Level, Index: id.Index, Hash: h}
	}
	return out, nil
}
