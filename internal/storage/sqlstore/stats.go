package sqlstore

import (
	"strings"
	"sync/atomic"
)

// Stats counts what a Store has asked of its database since it was
// opened: the figures a request's cost in round trips and commits is read
// from (netid-load prints them per verification; tests bound them per
// session step, so that a change adding statements fails a test).
type Stats struct {
	// Statements are the statements run: queries and changes, in a
	// transaction or not. BEGIN, COMMIT and ROLLBACK are not counted.
	Statements int64
	// Transactions are the transactions begun (BEGIN … COMMIT or
	// ROLLBACK), each a commit, and on PostgreSQL one round trip more
	// than its statements (COMMIT; BEGIN goes with the first statement).
	Transactions int64
	// Autocommits are the statements outside a transaction that are not a
	// SELECT: each is a commit of its own (a write to the WAL, and with
	// synchronous_commit a flush).
	Autocommits int64
}

// Sub returns s minus t: what ran between two readings.
func (s Stats) Sub(t Stats) Stats {
	return Stats{Statements: s.Statements - t.Statements, Transactions: s.Transactions - t.Transactions, Autocommits: s.Autocommits - t.Autocommits}
}

// Commits are the commits among them: the transactions and the
// autocommitted changes.
func (s Stats) Commits() int64 { return s.Transactions + s.Autocommits }

// statCounters are a Store's Stats, shared by the Stores of its transactions.
type statCounters struct {
	statements, transactions, autocommits atomic.Int64
}

// Stats returns what the Store (and every transaction it began) has run
// since it was opened.
func (s *Store) Stats() Stats {
	if s.counts == nil {
		return Stats{}
	}
	return Stats{
		Statements:   s.counts.statements.Load(),
		Transactions: s.counts.transactions.Load(),
		Autocommits:  s.counts.autocommits.Load(),
	}
}

// count counts one statement of s.
func (s *Store) count(query string) {
	if s.counts == nil {
		return
	}
	s.counts.statements.Add(1)
	if s.tx == nil && !isSelect(query) {
		s.counts.autocommits.Add(1)
	}
}

// isSelect reports whether query is a plain SELECT (one that writes
// nothing).
func isSelect(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}
