package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// transactionTests are the functional tests of InTransaction and of
// ListUnrecordedSessions; RunTests runs them with the others.
func transactionTests() []subtest {
	return []subtest{
		{"Transaction/Commit", testTxCommit},
		{"Transaction/FnError", testTxFnError},
		{"Transaction/UpdateFnError", testTxUpdateFnError},
		{"Transaction/Panic", testTxPanic},
		{"Transaction/ReadsOwnWrites", testTxReadsOwnWrites},
		{"Transaction/Isolation", testTxIsolation},
		{"Transaction/UseAfterEnd", testTxUseAfterEnd},
		{"Transaction/Nested", testTxNested},
		{"Transaction/FailedCallSpoils", testTxSpoiled},
		{"Transaction/NotFoundDoesNotSpoil", testTxNotFound},
		{"Transaction/ChainError", testTxChainError},
		{"Transaction/IssueCredential", testTxIssueCredential},
		{"Transaction/CloseAndPing", testTxCloseAndPing},
		{"Session/ListUnrecorded", testListUnrecordedSessions},
	}
}

// errRollback is what the tests' transaction functions return to roll
// back.
var errRollback = errors.New("conformance: roll back")

// approve is an UpdateSession function that ends a session approved at t.
func approve(t time.Time) func(storage.Session) (storage.Session, error) {
	return func(v storage.Session) (storage.Session, error) {
		v.State, v.UpdatedAt = storage.SessionApproved, t
		return v, nil
	}
}

// claimedSession creates a claimed session and returns it as stored.
func claimedSession(t *testing.T, s storage.Storage, id string) storage.Session {
	t.Helper()
	v := fullSession(id)
	v.State = storage.SessionClaimed
	must(t, "CreateSession "+id, s.CreateSession(t.Context(), v))
	return v
}

// assertSession fails unless the stored session v.ID equals v.
func assertSession(t *testing.T, s storage.Storage, what string, want storage.Session) {
	t.Helper()
	got, err := s.GetSession(t.Context(), want.ID)
	must(t, what+": GetSession", err)
	assertEqual(t, what, got, want)
}

// assertRecords fails unless the log holds exactly want.
func assertRecords(t *testing.T, s storage.Storage, what string, want []storage.Record) {
	t.Helper()
	got, err := s.ListRecords(t.Context(), 0, 100)
	must(t, what+": ListRecords", err)
	assertList(t, what, got, want)
}

func testTxCommit(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	_, _, err := s.GetOrCreatePerson(ctx, fullPerson("p1", "idx-1", "100000000001"))
	must(t, "GetOrCreatePerson", err)
	must(t, "IssueCredential", s.IssueCredential(ctx, fullCredential("c1", "p1", "L", 0)))
	must(t, "PutConsent rp-a", s.PutConsent(ctx, fullConsent("p1", "rp-a")))
	must(t, "PutConsent rp-b", s.PutConsent(ctx, fullConsent("p1", "rp-b")))

	// A session's end and its record.
	var ended storage.Session
	var r1 storage.Record
	must(t, "InTransaction (session and record)", s.InTransaction(ctx, func(tx storage.Storage) error {
		var err error
		if ended, err = tx.UpdateSession(ctx, v.ID, approve(at(2))); err != nil {
			return err
		}
		r1, err = tx.AppendRecord(ctx, fullRecord(v.ID, "p1"), testChain)
		return err
	}))
	want := v
	want.State, want.UpdatedAt = storage.SessionApproved, at(2)
	assertEqual(t, "UpdateSession's result in the transaction", ended, want)
	assertSession(t, s, "session after commit", want)
	if r1.Seq != 1 {
		t.Errorf("record appended in the transaction has Seq %d, want 1", r1.Seq)
	}
	assertRecords(t, s, "records after commit", []storage.Record{r1})

	// A credential, its holder, a consent and the record.
	var r2 storage.Record
	must(t, "InTransaction (four changes)", s.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.UpdateCredential(ctx, "c1", func(c storage.Credential) (storage.Credential, error) {
			c.Status, c.StatusBy, c.UpdatedAt = storage.CredentialSuspended, storage.StatusByHolder, at(3)
			return c, nil
		}); err != nil {
			return err
		}
		if _, err := tx.UpdatePerson(ctx, "p1", func(p storage.Person) (storage.Person, error) {
			p.PasswordFailures, p.UpdatedAt = 0, at(3)
			return p, nil
		}); err != nil {
			return err
		}
		if err := tx.DeleteConsent(ctx, "p1", "rp-a"); err != nil {
			return err
		}
		var err error
		r2, err = tx.AppendRecord(ctx, fullRecord("r2", "p1"), testChain)
		return err
	}))
	c, err := s.GetCredential(ctx, "c1")
	must(t, "GetCredential", err)
	if c.Status != storage.CredentialSuspended || c.StatusBy != storage.StatusByHolder {
		t.Errorf("credential after commit: %s by %q, want suspended by the holder", c.Status, c.StatusBy)
	}
	p, err := s.GetPerson(ctx, "p1")
	must(t, "GetPerson", err)
	if p.PasswordFailures != 0 || !p.UpdatedAt.Equal(at(3)) {
		t.Errorf("person after commit: %d failures, updated %v; want 0, %v", p.PasswordFailures, p.UpdatedAt, at(3))
	}
	_, err = s.GetConsent(ctx, "p1", "rp-a")
	assertErr(t, "GetConsent of the deleted consent", err, storage.ErrNotFound)
	_, err = s.GetConsent(ctx, "p1", "rp-b")
	must(t, "GetConsent of the other consent", err)
	if r2.Seq != 2 || string(r2.PrevHash) != v.ID+"#1" {
		t.Errorf("second record: Seq %d, PrevHash %q; want 2, chained to %q", r2.Seq, r2.PrevHash, v.ID+"#1")
	}
	assertRecords(t, s, "records after the second commit", []storage.Record{r1, r2})
}

func testTxFnError(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	r1, err := s.AppendRecord(ctx, fullRecord("r1", "p1"), testChain)
	must(t, "AppendRecord r1", err)

	err = s.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.UpdateSession(ctx, v.ID, approve(at(2))); err != nil {
			return err
		}
		if _, err := tx.AppendRecord(ctx, fullRecord("r-rolled-back", "p1"), testChain); err != nil {
			return err
		}
		return errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("InTransaction error = %v, want fn's error unchanged", err)
	}
	assertSession(t, s, "session after rollback", v)
	assertRecords(t, s, "records after rollback", []storage.Record{r1})

	// The next record takes the Seq the rolled-back one had, chained to r1.
	var prevSeen *storage.Record
	r2, err := s.AppendRecord(ctx, fullRecord("r2", "p1"), func(prev *storage.Record, r storage.Record) (storage.Record, error) {
		prevSeen = prev
		return testChain(prev, r)
	})
	must(t, "AppendRecord r2", err)
	if r2.Seq != 2 {
		t.Errorf("Seq after a rolled-back append = %d, want 2", r2.Seq)
	}
	if prevSeen == nil {
		t.Fatal("chain after a rolled-back append got no prev")
	}
	assertEqual(t, "prev after a rolled-back append", *prevSeen, link(r1))
}

func testTxUpdateFnError(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	p, _, err := s.GetOrCreatePerson(ctx, fullPerson("p1", "idx-1", "100000000001"))
	must(t, "GetOrCreatePerson", err)

	err = s.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.UpdatePerson(ctx, p.ID, func(p storage.Person) (storage.Person, error) {
			p.PasswordFailures = 0
			return p, nil
		}); err != nil {
			return err
		}
		_, err := tx.UpdateSession(ctx, v.ID, func(storage.Session) (storage.Session, error) {
			return storage.Session{}, errFn
		})
		return err
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("InTransaction error = %v, want the Update fn's error unchanged", err)
	}
	got, err := s.GetPerson(ctx, p.ID)
	must(t, "GetPerson", err)
	assertEqual(t, "person written before the failed update", got, p)
	assertSession(t, s, "session whose update failed", v)
}

func testTxPanic(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic of fn", r)
			}
		}()
		_ = s.InTransaction(ctx, func(tx storage.Storage) error {
			if _, err := tx.UpdateSession(ctx, v.ID, approve(at(2))); err != nil {
				return err
			}
			if _, err := tx.AppendRecord(ctx, fullRecord("r-panicked", "p1"), nil); err != nil {
				return err
			}
			panic("boom")
		})
		t.Error("InTransaction returned instead of panicking")
	}()
	assertSession(t, s, "session after a panic", v)
	assertRecords(t, s, "records after a panic", nil)
	// The storage is usable afterwards: the transaction's connection and
	// locks are released.
	r, err := s.AppendRecord(ctx, fullRecord("r1", "p1"), nil)
	must(t, "AppendRecord after a panic", err)
	if r.Seq != 1 {
		t.Errorf("Seq after a panic = %d, want 1", r.Seq)
	}
}

func testTxReadsOwnWrites(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	must(t, "InTransaction", s.InTransaction(ctx, func(tx storage.Storage) error {
		ended, err := tx.UpdateSession(ctx, v.ID, approve(at(2)))
		must(t, "UpdateSession", err)
		got, err := tx.GetSession(ctx, v.ID)
		must(t, "GetSession in the transaction", err)
		assertEqual(t, "session read in the transaction that updated it", got, ended)

		c := fullCode("c1", "application:a1", 0)
		must(t, "CreateCode", tx.CreateCode(ctx, c))
		gotC, err := tx.LatestCode(ctx, c.Subject)
		must(t, "LatestCode in the transaction", err)
		assertEqual(t, "code read in the transaction that created it", gotC, c)

		r, err := tx.AppendRecord(ctx, fullRecord(v.ID, "p1"), testChain)
		must(t, "AppendRecord", err)
		recs, err := tx.ListRecords(ctx, 0, 10)
		must(t, "ListRecords in the transaction", err)
		assertList(t, "records read in the transaction that appended them", recs, []storage.Record{r})

		p, created, err := tx.GetOrCreatePerson(ctx, fullPerson("p1", "idx-1", "100000000001"))
		must(t, "GetOrCreatePerson", err)
		if !created {
			t.Error("GetOrCreatePerson in the transaction did not create")
		}
		gotP, err := tx.GetPersonByIndex(ctx, "idx-1")
		must(t, "GetPersonByIndex in the transaction", err)
		assertEqual(t, "person read in the transaction that created it", gotP, p)
		return nil
	}))
}

// isolationWait is how long a transaction in testTxIsolation waits for a
// reader outside it to answer. A backend may make the reader wait for the
// transaction's end instead (an in-memory SQLite database has one
// connection); the reader must then see what the transaction left.
const isolationWait = 300 * time.Millisecond

func testTxIsolation(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	type seen struct {
		sess storage.Session
		recs []storage.Record
		err  error
	}
	done := make(chan seen, 1)
	err := s.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.UpdateSession(ctx, v.ID, approve(at(2))); err != nil {
			return err
		}
		if _, err := tx.AppendRecord(ctx, fullRecord(v.ID, "p1"), nil); err != nil {
			return err
		}
		go func() {
			var x seen
			x.sess, x.err = s.GetSession(ctx, v.ID)
			if x.err == nil {
				x.recs, x.err = s.ListRecords(ctx, 0, 10)
			}
			done <- x
		}()
		select {
		case x := <-done:
			done <- x
		case <-time.After(isolationWait):
		}
		return errRollback
	})
	if err != errRollback { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("InTransaction error = %v, want fn's error unchanged", err)
	}
	x := <-done
	must(t, "read outside the transaction", x.err)
	assertEqual(t, "session read outside the transaction", x.sess, v)
	assertNil(t, "records read outside the transaction", x.recs)
}

func testTxUseAfterEnd(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	for _, end := range []error{nil, errRollback} {
		var leaked storage.Storage
		err := s.InTransaction(ctx, func(tx storage.Storage) error {
			leaked = tx
			return end
		})
		if err != end { //nolint:errorlint // the contract: returned unchanged
			t.Fatalf("InTransaction error = %v, want %v", err, end)
		}
		if _, err := leaked.GetSession(ctx, v.ID); err == nil {
			t.Errorf("GetSession on a transaction that ended (%v): no error", end)
		}
		if _, err := leaked.UpdateSession(ctx, v.ID, approve(at(2))); err == nil {
			t.Errorf("UpdateSession on a transaction that ended (%v): no error", end)
		}
		if err := leaked.CreateCode(ctx, fullCode("c-late", "application:late", 0)); err == nil {
			t.Errorf("CreateCode on a transaction that ended (%v): no error", end)
		}
		if _, err := leaked.AppendRecord(ctx, fullRecord("r-late", "p1"), nil); err == nil {
			t.Errorf("AppendRecord on a transaction that ended (%v): no error", end)
		}
		if err := leaked.Ping(ctx); err == nil {
			t.Errorf("Ping on a transaction that ended (%v): no error", end)
		}
	}
	assertSession(t, s, "session after calls on ended transactions", v)
	_, err := s.LatestCode(ctx, "application:late")
	assertErr(t, "LatestCode after calls on ended transactions", err, storage.ErrNotFound)
	assertRecords(t, s, "records after calls on ended transactions", nil)
}

func testTxNested(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	err := s.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.UpdateSession(ctx, v.ID, approve(at(2))); err != nil {
			return err
		}
		must(t, "nested InTransaction", tx.InTransaction(ctx, func(inner storage.Storage) error {
			got, err := inner.GetSession(ctx, v.ID)
			must(t, "GetSession in the nested transaction", err)
			if got.State != storage.SessionApproved {
				t.Errorf("nested transaction sees state %s, want the outer one's write (approved)", got.State)
			}
			_, err = inner.AppendRecord(ctx, fullRecord(v.ID, "p1"), nil)
			return err
		}))
		if err := tx.InTransaction(ctx, func(storage.Storage) error { return errFn }); err != errFn { //nolint:errorlint // the contract
			t.Errorf("nested InTransaction error = %v, want its fn's error unchanged", err)
		}
		return errRollback
	})
	if err != errRollback { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("InTransaction error = %v, want fn's error unchanged", err)
	}
	// The nested transaction did not commit on its own.
	assertSession(t, s, "session after the outer rollback", v)
	assertRecords(t, s, "records after the outer rollback", nil)

	var r storage.Record
	must(t, "InTransaction", s.InTransaction(ctx, func(tx storage.Storage) error {
		return tx.InTransaction(ctx, func(inner storage.Storage) error {
			var err error
			r, err = inner.AppendRecord(ctx, fullRecord(v.ID, "p1"), nil)
			return err
		})
	}))
	assertRecords(t, s, "records after the outer commit", []storage.Record{r})
}

func testTxSpoiled(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	claimedSession(t, s, "s-2")
	err := s.InTransaction(ctx, func(tx storage.Storage) error {
		if _, err := tx.UpdateSession(ctx, v.ID, approve(at(2))); err != nil {
			return err
		}
		assertErr(t, "CreateSession of a taken ID in a transaction", tx.CreateSession(ctx, fullSession("s-2")), storage.ErrAlreadyExists)
		if err := tx.CreateCode(ctx, fullCode("c1", "application:a1", 0)); err == nil {
			t.Error("CreateCode after a failed call in the transaction: no error")
		}
		if _, err := tx.GetSession(ctx, v.ID); err == nil {
			t.Error("GetSession after a failed call in the transaction: no error")
		}
		return nil // as if the failure had been handled
	})
	if !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("InTransaction of a spoiled transaction = %v, want an error wrapping ErrAlreadyExists", err)
	}
	assertSession(t, s, "session after a spoiled transaction", v)
	_, err = s.LatestCode(ctx, "application:a1")
	assertErr(t, "LatestCode after a spoiled transaction", err, storage.ErrNotFound)
	// The storage is usable afterwards.
	_, err = s.UpdateSession(ctx, v.ID, approve(at(3)))
	must(t, "UpdateSession after a spoiled transaction", err)
}

func testTxNotFound(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	must(t, "InTransaction", s.InTransaction(ctx, func(tx storage.Storage) error {
		_, err := tx.GetSession(ctx, "missing")
		assertErr(t, "GetSession(missing)", err, storage.ErrNotFound)
		_, err = tx.UpdateSession(ctx, "missing", approve(at(2)))
		assertErr(t, "UpdateSession(missing)", err, storage.ErrNotFound)
		assertErr(t, "DeleteConsent(missing)", tx.DeleteConsent(ctx, "p1", "rp-missing"), storage.ErrNotFound)
		_, err = tx.UpdateSession(ctx, v.ID, approve(at(2)))
		return err
	}))
	want := v
	want.State, want.UpdatedAt = storage.SessionApproved, at(2)
	assertSession(t, s, "session after a transaction that found nothing first", want)
}

func testTxChainError(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	var r1, r2 storage.Record
	must(t, "InTransaction", s.InTransaction(ctx, func(tx storage.Storage) error {
		var err error
		r1, err = tx.AppendRecord(ctx, fullRecord("r1", "p1"), testChain)
		must(t, "AppendRecord r1", err)
		_, err = tx.AppendRecord(ctx, fullRecord("r-failed", "p1"), func(*storage.Record, storage.Record) (storage.Record, error) {
			return storage.Record{}, errFn
		})
		if err != errFn { //nolint:errorlint // the contract: returned unchanged
			t.Errorf("AppendRecord with a failing chain = %v, want its error unchanged", err)
		}
		var prevSeen *storage.Record
		r2, err = tx.AppendRecord(ctx, fullRecord("r2", "p1"), func(prev *storage.Record, r storage.Record) (storage.Record, error) {
			prevSeen = prev
			return testChain(prev, r)
		})
		must(t, "AppendRecord r2", err)
		if prevSeen == nil {
			t.Error("chain after a failed chain in the transaction got no prev, want r1's link")
		} else {
			assertEqual(t, "prev after a failed chain in the transaction", *prevSeen, link(r1))
		}
		return nil
	}))
	if r2.Seq != 2 {
		t.Errorf("Seq after a failed chain in the transaction = %d, want 2", r2.Seq)
	}
	assertRecords(t, s, "records after the transaction", []storage.Record{r1, r2})
	r3, err := s.AppendRecord(ctx, fullRecord("r3", "p1"), testChain)
	must(t, "AppendRecord r3", err)
	if r3.Seq != 3 || string(r3.PrevHash) != "r2#2" {
		t.Errorf("next record: Seq %d, PrevHash %q; want 3, chained to r2", r3.Seq, r3.PrevHash)
	}
}

func testTxIssueCredential(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	c1 := fullCredential("c1", "p1", "L", 0)
	must(t, "IssueCredential c1", s.IssueCredential(ctx, c1))
	c2 := fullCredential("c2", "p1", "L", 1)
	c2.IssuedAt = at(5)
	status := func(id string) storage.CredentialStatus {
		t.Helper()
		c, err := s.GetCredential(ctx, id)
		must(t, "GetCredential "+id, err)
		return c.Status
	}

	err := s.InTransaction(ctx, func(tx storage.Storage) error {
		must(t, "IssueCredential c2", tx.IssueCredential(ctx, c2))
		creds, err := tx.ListCredentials(ctx, "p1")
		must(t, "ListCredentials in the transaction", err)
		if len(creds) != 2 || creds[0].Status != storage.CredentialRevoked || creds[1].Status != storage.CredentialActive {
			t.Errorf("credentials in the transaction = %+v, want c1 revoked and c2 active", creds)
		}
		return errRollback
	})
	if err != errRollback { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("InTransaction error = %v, want fn's error unchanged", err)
	}
	if st := status("c1"); st != storage.CredentialActive {
		t.Errorf("c1 after a rolled-back issue: %s, want active", st)
	}
	_, err = s.GetCredential(ctx, "c2")
	assertErr(t, "GetCredential(c2) after a rolled-back issue", err, storage.ErrNotFound)

	must(t, "InTransaction", s.InTransaction(ctx, func(tx storage.Storage) error {
		return tx.IssueCredential(ctx, c2)
	}))
	if st := status("c1"); st != storage.CredentialRevoked {
		t.Errorf("c1 after a committed issue: %s, want revoked", st)
	}
	if st := status("c2"); st != storage.CredentialActive {
		t.Errorf("c2 after a committed issue: %s, want active", st)
	}
}

func testTxCloseAndPing(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := claimedSession(t, s, "s-1")
	must(t, "InTransaction", s.InTransaction(ctx, func(tx storage.Storage) error {
		must(t, "Ping in a transaction", tx.Ping(ctx))
		must(t, "Close of a transaction", tx.Close())
		_, err := tx.UpdateSession(ctx, v.ID, approve(at(2)))
		return err
	}))
	must(t, "Ping after a transaction's Close", s.Ping(ctx))
	want := v
	want.State, want.UpdatedAt = storage.SessionApproved, at(2)
	assertSession(t, s, "session updated after the transaction's Close", want)
}

func testListUnrecordedSessions(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	got, err := s.ListUnrecordedSessions(ctx, 10)
	must(t, "ListUnrecordedSessions of nothing", err)
	assertNil(t, "ListUnrecordedSessions of nothing", got)

	session := func(id string, state storage.SessionState, updated time.Time) storage.Session {
		v := fullSession(id)
		v.State, v.UpdatedAt = state, updated
		must(t, "CreateSession "+id, s.CreateSession(ctx, v))
		return v
	}
	// record appends a record of id by relying party rp, written at.
	record := func(id, rp string, written time.Time) {
		r := fullRecord(id, "p1")
		r.RPID, r.Time = rp, written
		_, err := s.AppendRecord(ctx, r, nil)
		must(t, "AppendRecord "+id, err)
	}
	rp := fullSession("").RPID
	// Not final.
	session("s-pending", storage.SessionPending, at(1))
	session("s-claimed", storage.SessionClaimed, at(1))
	session("s-guardian", storage.SessionAwaitingGuardian, at(1))
	// Final and recorded: the record is the session's relying party's,
	// written from RecordSlack before the session's end to RecordWindow
	// after it (a record ID may repeat).
	session("s-recorded", storage.SessionApproved, at(1))
	record("s-recorded", rp, at(1).Add(3*time.Millisecond))
	session("s-recorded-twice", storage.SessionFailed, at(0))
	record("s-recorded-twice", rp, at(0))
	record("s-recorded-twice", rp, at(0).Add(time.Second))
	session("s-recorded-early", storage.SessionDeclined, at(2))
	record("s-recorded-early", rp, at(2).Add(-storage.RecordSlack))
	session("s-recorded-late", storage.SessionDeclined, at(2))
	record("s-recorded-late", rp, at(2).Add(storage.RecordWindow))
	record("not-a-session", rp, at(2))
	// Final, no record of the session: none at all, another relying
	// party's with its ID, or one written too long before or after it
	// ended.
	approved := session("s-approved", storage.SessionApproved, at(5))
	declined := session("s-declined", storage.SessionDeclined, at(3))
	cancelled := session("s-cancelled", storage.SessionCancelled, at(3))
	expired := session("s-expired", storage.SessionExpired, time.Time{})
	failed := session("s-failed", storage.SessionFailed, at(4))
	otherRP := session("s-other-rp", storage.SessionApproved, at(6))
	record("s-other-rp", "rp-other", at(6))
	before := session("s-before", storage.SessionApproved, at(7))
	record("s-before", rp, at(7).Add(-storage.RecordSlack-time.Millisecond))
	after := session("s-after", storage.SessionApproved, at(8))
	record("s-after", rp, at(8).Add(storage.RecordWindow+time.Millisecond))

	want := []storage.Session{expired, cancelled, declined, failed, approved, otherRP, before, after}
	got, err = s.ListUnrecordedSessions(ctx, 10)
	must(t, "ListUnrecordedSessions", err)
	assertList(t, "ListUnrecordedSessions", got, want)
	got, err = s.ListUnrecordedSessions(ctx, 2)
	must(t, "ListUnrecordedSessions(2)", err)
	assertList(t, "ListUnrecordedSessions(2)", got, want[:2])
	for _, limit := range []int{0, -1} {
		got, err = s.ListUnrecordedSessions(ctx, limit)
		must(t, "ListUnrecordedSessions", err)
		assertNil(t, "ListUnrecordedSessions with a limit below 1", got)
	}

	record("s-cancelled", rp, at(3).Add(time.Second))
	got, err = s.ListUnrecordedSessions(ctx, 10)
	must(t, "ListUnrecordedSessions after a record", err)
	assertList(t, "ListUnrecordedSessions after a record", got, []storage.Session{expired, declined, failed, approved, otherRP, before, after})
}
