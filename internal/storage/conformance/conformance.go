package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// subtest is one conformance test, run against a fresh, empty storage.
type subtest struct {
	name string
	run  func(t *testing.T, s storage.Storage)
}

// RunTests runs the functional conformance tests. newStorage must return a
// fresh, empty storage and register its cleanup (Close) with t.Cleanup; it
// is called once per subtest.
//
// The tests use the real clock for expiry (Increment, UseNonce) with
// margins of hours, and never sleep.
func RunTests(t *testing.T, newStorage func(t *testing.T) storage.Storage) {
	tests := []subtest{
		{"Application/RoundTrip", testApplicationRoundTrip},
		{"Application/CreateDuplicate", testApplicationDuplicate},
		{"Application/Missing", testApplicationMissing},
		{"Application/Update", testApplicationUpdate},
		{"Application/UpdateFnError", testApplicationUpdateFnError},
		{"Application/ListGuardian", testListGuardianApplications},
		{"Application/Photo", testApplicationPhoto},
		{"Person/GetOrCreate", testGetOrCreatePerson},
		{"Person/WanghaoTaken", testPersonWanghaoTaken},
		{"Person/DuplicateID", testPersonDuplicateID},
		{"Person/RoundTripZero", testPersonRoundTripZero},
		{"Person/Missing", testPersonMissing},
		{"Person/Update", testPersonUpdate},
		{"Person/UpdateUniqueConflict", testPersonUpdateConflict},
		{"Credential/RoundTrip", testCredentialRoundTrip},
		{"Credential/Holder", testCredentialHolder},
		{"Credential/Duplicate", testCredentialDuplicate},
		{"Credential/IssueRevokesPrevious", testIssueRevokesPrevious},
		{"Credential/Update", testCredentialUpdate},
		{"Credential/ListStatuses", testListStatuses},
		{"Credential/LatestExpiry", testLatestExpiry},
		{"Code/RoundTrip", testCodeRoundTrip},
		{"Code/Duplicate", testCodeDuplicate},
		{"Code/Latest", testLatestCode},
		{"Code/Update", testCodeUpdate},
		{"Increment/Counts", testIncrementCounts},
		{"Increment/Expiry", testIncrementExpiry},
		{"Increment/ZeroNeverExpires", testIncrementZeroExpiry},
		{"UseNonce/Once", testUseNonce},
		{"UseNonce/Expiry", testUseNonceExpiry},
		{"DeleteExpired", testDeleteExpired},
		{"SigningKey/CreateList", testSigningKeys},
		{"SigningKey/Update", testSigningKeyUpdate},
		{"Ping", testPing},
	}
	tests = append(tests, verificationTests()...)
	tests = append(tests, statusSlotTests()...)
	tests = append(tests, counterTests()...)
	tests = append(tests, rpApplicationTests()...)
	tests = append(tests, identityFormatTests()...)
	tests = append(tests, transactionTests()...)
	tests = append(tests, caseTests()...)
	tests = append(tests, verifierTests()...)
	tests = append(tests, cryptoSuiteTests()...)
	tests = append(tests, treeRecordTests()...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStorage(t))
		})
	}
}

// ---- Applications ----

func fullApplication(id string) storage.Application {
	return storage.Application{
		ID:            id,
		Kind:          storage.KindDevice,
		PersonID:      "person-" + id,
		State:         storage.StatePhone,
		DocumentType:  "resident-id",
		TokenHash:     []byte{0x01, 0x02, 0x03, 0x00},
		GuardianID:    "guardian-" + id,
		PersonIndex:   "pidx-" + id,
		Identity:      []byte("sealed identity"),
		FaceChallenge: []byte{0xfa, 0xce},
		FaceScore:     0.9375,
		PhoneIndex:    "phidx-" + id,
		Phone:         []byte("sealed phone"),
		PasswordHash:  "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		DeviceNonce:   []byte{0x00, 0xff},
		CredentialID:  "cred-" + id,
		CreatedAt:     at(0),
		UpdatedAt:     at(1),
		ExpiresAt:     at(30),
	}
}

func testApplicationRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	tests := []struct {
		name string
		app  storage.Application
	}{
		{"full", fullApplication("app-full")},
		{"zero", storage.Application{ID: "app-zero"}},
		{"empty slices", storage.Application{
			ID: "app-empty", State: storage.StateDocument, TokenHash: []byte{}, Identity: []byte{},
			FaceChallenge: []byte{}, Phone: []byte{}, DeviceNonce: []byte{}, CreatedAt: at(5),
		}},
		{"utc input", func() storage.Application {
			a := fullApplication("app-utc")
			a.CreatedAt, a.UpdatedAt, a.ExpiresAt = at(0).UTC(), at(1).UTC(), at(2).UTC()
			return a
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			must(t, "CreateApplication", s.CreateApplication(ctx, tc.app))
			got, err := s.GetApplication(ctx, tc.app.ID)
			must(t, "GetApplication", err)
			assertEqual(t, "GetApplication", got, tc.app)
		})
	}
}

func testApplicationDuplicate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	a := fullApplication("app-1")
	must(t, "CreateApplication", s.CreateApplication(ctx, a))
	b := fullApplication("app-1")
	b.State = storage.StateDocument
	assertErr(t, "CreateApplication duplicate", s.CreateApplication(ctx, b), storage.ErrAlreadyExists)
	got, err := s.GetApplication(ctx, a.ID)
	must(t, "GetApplication", err)
	assertEqual(t, "application after duplicate create", got, a)
}

func testApplicationMissing(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	_, err := s.GetApplication(ctx, "nope")
	assertErr(t, "GetApplication missing", err, storage.ErrNotFound)
	called := false
	_, err = s.UpdateApplication(ctx, "nope", func(a storage.Application) (storage.Application, error) {
		called = true
		return a, nil
	})
	assertErr(t, "UpdateApplication missing", err, storage.ErrNotFound)
	if called {
		t.Error("UpdateApplication called fn for a missing application")
	}
}

// An application's photo is kept apart from it: put (replacing), got, and
// taken (got and deleted) by the application's ID, never for an
// application that does not exist, and untouched by updates of the
// application.
func testApplicationPhoto(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	assertErr(t, "PutApplicationPhoto without the application", s.PutApplicationPhoto(ctx, "nope", []byte("x")), storage.ErrNotFound)
	_, err := s.GetApplicationPhoto(ctx, "nope")
	assertErr(t, "GetApplicationPhoto of a missing application", err, storage.ErrNotFound)

	a, b := fullApplication("app-photo-a"), fullApplication("app-photo-b")
	must(t, "CreateApplication", s.CreateApplication(ctx, a))
	must(t, "CreateApplication", s.CreateApplication(ctx, b))
	_, err = s.GetApplicationPhoto(ctx, a.ID)
	assertErr(t, "GetApplicationPhoto before any", err, storage.ErrNotFound)

	big := bytes.Repeat([]byte{0xff, 0xd8, 0x00, 0x7f}, 6000) // a passport's 24 KB
	must(t, "PutApplicationPhoto", s.PutApplicationPhoto(ctx, a.ID, []byte("first")))
	must(t, "PutApplicationPhoto again", s.PutApplicationPhoto(ctx, a.ID, big))
	must(t, "PutApplicationPhoto of another", s.PutApplicationPhoto(ctx, b.ID, []byte("b's")))
	got, err := s.GetApplicationPhoto(ctx, a.ID)
	must(t, "GetApplicationPhoto", err)
	assertBytes(t, "GetApplicationPhoto after a second put", got, big)

	_, err = s.UpdateApplication(ctx, a.ID, func(x storage.Application) (storage.Application, error) {
		x.State, x.Identity = storage.StateIssued, nil
		return x, nil
	})
	must(t, "UpdateApplication", err)
	got, err = s.GetApplicationPhoto(ctx, a.ID)
	must(t, "GetApplicationPhoto after an update", err)
	assertBytes(t, "GetApplicationPhoto after an update", got, big)

	got, err = s.TakeApplicationPhoto(ctx, a.ID)
	must(t, "TakeApplicationPhoto", err)
	assertBytes(t, "TakeApplicationPhoto", got, big)
	_, err = s.TakeApplicationPhoto(ctx, a.ID)
	assertErr(t, "TakeApplicationPhoto again", err, storage.ErrNotFound)
	_, err = s.GetApplicationPhoto(ctx, a.ID)
	assertErr(t, "GetApplicationPhoto after take", err, storage.ErrNotFound)
	got, err = s.GetApplicationPhoto(ctx, b.ID)
	must(t, "GetApplicationPhoto of the other", err)
	assertBytes(t, "the other's photo", got, []byte("b's"))

	// In a transaction that fails, nothing is kept.
	boom := errors.New("boom")
	err = s.InTransaction(ctx, func(tx storage.Storage) error {
		must(t, "PutApplicationPhoto in a transaction", tx.PutApplicationPhoto(ctx, a.ID, []byte("rolled back")))
		return boom
	})
	assertErr(t, "InTransaction", err, boom)
	_, err = s.GetApplicationPhoto(ctx, a.ID)
	assertErr(t, "GetApplicationPhoto after a rollback", err, storage.ErrNotFound)
}

func assertBytes(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got %d bytes, want %d (%.16x…, want %.16x…)", what, len(got), len(want), got, want)
	}
}

func testApplicationUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	a := fullApplication("app-1")
	must(t, "CreateApplication", s.CreateApplication(ctx, a))
	want := storage.Application{
		ID:            a.ID,
		State:         storage.StateDevice,
		DocumentType:  "passport",
		TokenHash:     []byte("new token hash"),
		GuardianID:    "",
		PersonIndex:   "pidx-new",
		Identity:      nil,
		FaceChallenge: []byte("new challenge"),
		FaceScore:     0.5,
		PhoneIndex:    "phidx-new",
		Phone:         []byte("new phone"),
		PasswordHash:  "new hash",
		DeviceNonce:   nil,
		CredentialID:  "cred-new",
		CreatedAt:     at(100),
		UpdatedAt:     at(101),
		ExpiresAt:     time.Time{},
	}
	got, err := s.UpdateApplication(ctx, a.ID, func(cur storage.Application) (storage.Application, error) {
		assertEqual(t, "UpdateApplication fn argument", cur, a)
		return want, nil
	})
	must(t, "UpdateApplication", err)
	assertEqual(t, "UpdateApplication result", got, want)
	stored, err := s.GetApplication(ctx, a.ID)
	must(t, "GetApplication", err)
	assertEqual(t, "GetApplication after update", stored, want)
}

func testApplicationUpdateFnError(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	a := fullApplication("app-1")
	must(t, "CreateApplication", s.CreateApplication(ctx, a))
	_, err := s.UpdateApplication(ctx, a.ID, func(cur storage.Application) (storage.Application, error) {
		cur.State = storage.StateDeclined
		return cur, errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("UpdateApplication error = %v, want errFn unchanged", err)
	}
	got, err := s.GetApplication(ctx, a.ID)
	must(t, "GetApplication", err)
	assertEqual(t, "application after failed update", got, a)
}

func testListGuardianApplications(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	mk := func(id, guardian string, state storage.ApplicationState, created int) storage.Application {
		a := fullApplication(id)
		a.GuardianID, a.State, a.CreatedAt = guardian, state, at(created)
		return a
	}
	apps := []storage.Application{
		mk("a-late", "g1", storage.StateGuardian, 30),
		mk("a-early", "g1", storage.StateGuardian, 10),
		mk("a-mid", "g1", storage.StateGuardian, 20),
		mk("a-other-state", "g1", storage.StateRelationship, 5),
		mk("a-other-guardian", "g2", storage.StateGuardian, 15),
		mk("a-no-guardian", "", storage.StateGuardian, 1),
	}
	for _, a := range apps {
		must(t, "CreateApplication", s.CreateApplication(ctx, a))
	}
	tests := []struct {
		guardian string
		state    storage.ApplicationState
		want     []storage.Application
	}{
		{"g1", storage.StateGuardian, []storage.Application{apps[1], apps[2], apps[0]}},
		{"g1", storage.StateRelationship, []storage.Application{apps[3]}},
		{"g2", storage.StateGuardian, []storage.Application{apps[4]}},
		{"g2", storage.StateRelationship, nil},
		{"g3", storage.StateGuardian, nil},
	}
	for _, tc := range tests {
		got, err := s.ListGuardianApplications(ctx, tc.guardian, tc.state)
		must(t, "ListGuardianApplications", err)
		what := fmt.Sprintf("ListGuardianApplications(%s, %s)", tc.guardian, tc.state)
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %d applications, want %d", what, len(got), len(tc.want))
			continue
		}
		for i := range got {
			assertEqual(t, fmt.Sprintf("%s[%d]", what, i), got[i], tc.want[i])
		}
	}
}

// ---- Persons ----

func fullPerson(id, index, wanghao string) storage.Person {
	return storage.Person{
		ID:                  id,
		Index:               index,
		Wanghao:             wanghao,
		State:               storage.PersonActive,
		Identity:            []byte("sealed identity of " + id),
		PhoneIndex:          "phidx-" + id,
		Phone:               []byte("sealed phone"),
		PasswordHash:        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		PasswordFailures:    2,
		PasswordLockedUntil: at(60),
		GuardianID:          "guardian-of-" + id,
		Photo:               []byte("sealed photo of " + id),
		CancelledAt:         at(-5),
		CreatedAt:           at(0),
		UpdatedAt:           at(1),
	}
}

func testGetOrCreatePerson(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	p := fullPerson("p1", "idx-1", "100000000001")
	got, created, err := s.GetOrCreatePerson(ctx, p)
	must(t, "GetOrCreatePerson", err)
	if !created {
		t.Error("GetOrCreatePerson of a new index: created = false")
	}
	assertEqual(t, "GetOrCreatePerson (created)", got, p)

	// Same index, everything else different: the stored person comes back.
	other := fullPerson("p2", "idx-1", "100000000002")
	other.State = storage.PersonCancelled
	got, created, err = s.GetOrCreatePerson(ctx, other)
	must(t, "GetOrCreatePerson existing", err)
	if created {
		t.Error("GetOrCreatePerson of an existing index: created = true")
	}
	assertEqual(t, "GetOrCreatePerson (existing)", got, p)
	// And nothing of the second call was stored.
	_, err = s.GetPerson(ctx, "p2")
	assertErr(t, "GetPerson of the loser's ID", err, storage.ErrNotFound)
	_, err = s.GetPersonByWanghao(ctx, "100000000002")
	assertErr(t, "GetPersonByWanghao of the loser's 网号", err, storage.ErrNotFound)

	byID, err := s.GetPerson(ctx, "p1")
	must(t, "GetPerson", err)
	assertEqual(t, "GetPerson", byID, p)
	byWanghao, err := s.GetPersonByWanghao(ctx, "100000000001")
	must(t, "GetPersonByWanghao", err)
	assertEqual(t, "GetPersonByWanghao", byWanghao, p)
	byIndex, err := s.GetPersonByIndex(ctx, "idx-1")
	must(t, "GetPersonByIndex", err)
	assertEqual(t, "GetPersonByIndex", byIndex, p)
	_, err = s.GetPersonByIndex(ctx, "idx-2")
	assertErr(t, "GetPersonByIndex of an unknown index", err, storage.ErrNotFound)
}

func testPersonWanghaoTaken(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	p := fullPerson("p1", "idx-1", "100000000001")
	_, _, err := s.GetOrCreatePerson(ctx, p)
	must(t, "GetOrCreatePerson", err)
	_, _, err = s.GetOrCreatePerson(ctx, fullPerson("p2", "idx-2", "100000000001"))
	assertErr(t, "GetOrCreatePerson with a taken 网号", err, storage.ErrAlreadyExists)
	_, err = s.GetPerson(ctx, "p2")
	assertErr(t, "GetPerson after failed create", err, storage.ErrNotFound)
	// The caller draws a new 网号 and retries.
	q := fullPerson("p2", "idx-2", "100000000002")
	got, created, err := s.GetOrCreatePerson(ctx, q)
	must(t, "GetOrCreatePerson retry", err)
	if !created {
		t.Error("GetOrCreatePerson retry: created = false")
	}
	assertEqual(t, "GetOrCreatePerson retry", got, q)
}

func testPersonDuplicateID(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	_, _, err := s.GetOrCreatePerson(ctx, fullPerson("p1", "idx-1", "100000000001"))
	must(t, "GetOrCreatePerson", err)
	_, _, err = s.GetOrCreatePerson(ctx, fullPerson("p1", "idx-2", "100000000002"))
	assertErr(t, "GetOrCreatePerson with a taken ID", err, storage.ErrAlreadyExists)
}

func testPersonRoundTripZero(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	for _, p := range []storage.Person{
		{ID: "p-zero", Index: "idx-zero", Wanghao: "100000000009"},
		{ID: "p-empty", Index: "idx-empty", Wanghao: "100000000008", State: storage.PersonActive,
			Identity: []byte{}, Phone: []byte{}, CreatedAt: at(3)},
	} {
		got, created, err := s.GetOrCreatePerson(ctx, p)
		must(t, "GetOrCreatePerson", err)
		if !created {
			t.Errorf("GetOrCreatePerson(%s): created = false", p.ID)
		}
		assertEqual(t, "GetOrCreatePerson result", got, p)
		stored, err := s.GetPerson(ctx, p.ID)
		must(t, "GetPerson", err)
		assertEqual(t, "GetPerson", stored, p)
	}
}

func testPersonMissing(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	_, err := s.GetPerson(ctx, "nope")
	assertErr(t, "GetPerson missing", err, storage.ErrNotFound)
	_, err = s.GetPersonByWanghao(ctx, "199999999999")
	assertErr(t, "GetPersonByWanghao missing", err, storage.ErrNotFound)
	called := false
	_, err = s.UpdatePerson(ctx, "nope", func(p storage.Person) (storage.Person, error) {
		called = true
		return p, nil
	})
	assertErr(t, "UpdatePerson missing", err, storage.ErrNotFound)
	if called {
		t.Error("UpdatePerson called fn for a missing person")
	}
}

func testPersonUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	p := fullPerson("p1", "idx-1", "100000000001")
	_, _, err := s.GetOrCreatePerson(ctx, p)
	must(t, "GetOrCreatePerson", err)

	// fn fails: error unchanged, nothing written.
	_, err = s.UpdatePerson(ctx, p.ID, func(cur storage.Person) (storage.Person, error) {
		cur.State = storage.PersonCancelled
		return cur, errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("UpdatePerson error = %v, want errFn unchanged", err)
	}
	got, err := s.GetPerson(ctx, p.ID)
	must(t, "GetPerson", err)
	assertEqual(t, "person after failed update", got, p)

	want := storage.Person{
		ID:                  p.ID,
		Index:               "idx-1b",
		Wanghao:             "100000000011",
		State:               storage.PersonCancelled,
		Identity:            []byte("re-proofed identity"),
		PhoneIndex:          "",
		Phone:               nil,
		PasswordHash:        "other hash",
		PasswordFailures:    0,
		PasswordLockedUntil: time.Time{},
		CreatedAt:           at(7),
		UpdatedAt:           at(8),
	}
	got, err = s.UpdatePerson(ctx, p.ID, func(cur storage.Person) (storage.Person, error) {
		assertEqual(t, "UpdatePerson fn argument", cur, p)
		return want, nil
	})
	must(t, "UpdatePerson", err)
	assertEqual(t, "UpdatePerson result", got, want)
	got, err = s.GetPerson(ctx, p.ID)
	must(t, "GetPerson", err)
	assertEqual(t, "GetPerson after update", got, want)
	got, err = s.GetPersonByWanghao(ctx, want.Wanghao)
	must(t, "GetPersonByWanghao new 网号", err)
	assertEqual(t, "GetPersonByWanghao after update", got, want)
	_, err = s.GetPersonByWanghao(ctx, p.Wanghao)
	assertErr(t, "GetPersonByWanghao old 网号", err, storage.ErrNotFound)
}

func testPersonUpdateConflict(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	p1 := fullPerson("p1", "idx-1", "100000000001")
	p2 := fullPerson("p2", "idx-2", "100000000002")
	for _, p := range []storage.Person{p1, p2} {
		_, _, err := s.GetOrCreatePerson(ctx, p)
		must(t, "GetOrCreatePerson", err)
	}
	tests := []struct {
		name   string
		change func(*storage.Person)
	}{
		{"wanghao", func(p *storage.Person) { p.Wanghao = p2.Wanghao }},
		{"index", func(p *storage.Person) { p.Index = p2.Index }},
	}
	for _, tc := range tests {
		_, err := s.UpdatePerson(ctx, p1.ID, func(cur storage.Person) (storage.Person, error) {
			tc.change(&cur)
			cur.PasswordFailures = 99
			return cur, nil
		})
		assertErr(t, "UpdatePerson to a taken "+tc.name, err, storage.ErrAlreadyExists)
		got, err := s.GetPerson(ctx, p1.ID)
		must(t, "GetPerson", err)
		assertEqual(t, "person after conflicting update of "+tc.name, got, p1)
	}
}

// ---- Credentials ----

func fullCredential(id, personID, list string, index int64) storage.Credential {
	return storage.Credential{
		ID:           id,
		PersonID:     personID,
		Status:       storage.CredentialActive,
		StatusReason: "",
		StatusList:   list,
		StatusIndex:  index,
		DeviceKey:    []byte(`{"kty":"EC","crv":"P-256","x":"x","y":"y"}`),
		DeviceKeyID:  "thumb-" + id,
		SigningKeyID: "kid-1",
		IssuedAt:     at(0),
		ExpiresAt:    at(60 * 24 * 365),
		UpdatedAt:    at(0),
	}
}

func testCredentialRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	full := fullCredential("c-full", "p1", "list-1", 7)
	full.Status, full.StatusReason, full.StatusBy = storage.CredentialSuspended, "reported lost", storage.StatusByHolder
	tests := []storage.Credential{
		full,
		{ID: "c-zero", PersonID: "p2"},
		{ID: "c-empty", PersonID: "p3", Status: storage.CredentialActive, StatusList: "list-1",
			StatusIndex: 1 << 40, DeviceKey: []byte{}, IssuedAt: at(2)},
	}
	for _, c := range tests {
		must(t, "IssueCredential", s.IssueCredential(ctx, c))
		got, err := s.GetCredential(ctx, c.ID)
		must(t, "GetCredential", err)
		assertEqual(t, "GetCredential "+c.ID, got, c)
	}
	_, err := s.GetCredential(ctx, "nope")
	assertErr(t, "GetCredential missing", err, storage.ErrNotFound)
}

// testCredentialHolder reads a credential and its person in one call, each
// exactly as stored, and tells the two persons' credentials apart.
func testCredentialHolder(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	p1 := fullPerson("p1", "idx-1", "100000000001")
	p2 := fullPerson("p2", "idx-2", "100000000002")
	p2.State, p2.GuardianID, p2.Photo = storage.PersonCancelled, "", nil
	for _, p := range []storage.Person{p1, p2} {
		_, _, err := s.GetOrCreatePerson(ctx, p)
		must(t, "GetOrCreatePerson "+p.ID, err)
	}
	c1 := fullCredential("c1", "p1", "list-1", 1)
	c2 := fullCredential("c2", "p2", "list-1", 2)
	c2.Status, c2.StatusReason, c2.StatusBy = storage.CredentialRevoked, "cancelled", storage.StatusByHolder
	orphan := fullCredential("c-orphan", "p-missing", "list-1", 3)
	for _, c := range []storage.Credential{c1, c2, orphan} {
		must(t, "IssueCredential "+c.ID, s.IssueCredential(ctx, c))
	}
	for _, tc := range []struct {
		c storage.Credential
		p storage.Person
	}{{c1, p1}, {c2, p2}} {
		c, p, err := s.GetCredentialHolder(ctx, tc.c.ID)
		must(t, "GetCredentialHolder "+tc.c.ID, err)
		assertEqual(t, "GetCredentialHolder credential "+tc.c.ID, c, tc.c)
		// The person as stored, but for the photo, which is not read.
		want := tc.p
		want.Photo = nil
		assertEqual(t, "GetCredentialHolder person of "+tc.c.ID, p, want)
		stored, err := s.GetPerson(ctx, tc.p.ID)
		must(t, "GetPerson "+tc.p.ID, err)
		assertEqual(t, "GetPerson "+tc.p.ID, stored, tc.p)
	}
	_, _, err := s.GetCredentialHolder(ctx, "nope")
	assertErr(t, "GetCredentialHolder of a missing credential", err, storage.ErrNotFound)
	// A credential whose person is missing is a store that lost a row,
	// not an unknown credential: an error, but not ErrNotFound.
	if _, _, err = s.GetCredentialHolder(ctx, orphan.ID); err == nil || errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetCredentialHolder of a credential whose person is missing: %v, want an error other than ErrNotFound", err)
	}
}

func testCredentialDuplicate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	c1 := fullCredential("c1", "p1", "list-1", 1)
	must(t, "IssueCredential", s.IssueCredential(ctx, c1))

	tests := []struct {
		name string
		c    storage.Credential
		want error
	}{
		{"same ID", fullCredential("c1", "p1", "list-1", 2), storage.ErrAlreadyExists},
		{"same ID other person", fullCredential("c1", "p2", "list-2", 2), storage.ErrAlreadyExists},
		{"same list and index", fullCredential("c2", "p1", "list-1", 1), storage.ErrAlreadyExists},
		{"same list and index other person", fullCredential("c2", "p2", "list-1", 1), storage.ErrAlreadyExists},
		{"same index other list", fullCredential("c3", "p3", "list-2", 1), nil},
	}
	for _, tc := range tests {
		err := s.IssueCredential(ctx, tc.c)
		assertErr(t, "IssueCredential "+tc.name, err, tc.want)
		if tc.want != nil {
			// The failed issue revoked nothing.
			got, err := s.GetCredential(ctx, c1.ID)
			must(t, "GetCredential", err)
			assertEqual(t, "credential after failed issue ("+tc.name+")", got, c1)
		}
	}
}

func testIssueRevokesPrevious(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	get := func(id string) storage.Credential {
		t.Helper()
		c, err := s.GetCredential(ctx, id)
		must(t, "GetCredential "+id, err)
		return c
	}

	// a0: already revoked; it must never be touched again.
	a0 := fullCredential("a0", "p1", "L", 0)
	a0.Status, a0.StatusReason, a0.IssuedAt, a0.UpdatedAt = storage.CredentialRevoked, "lost", at(-20), at(-10)
	must(t, "IssueCredential a0", s.IssueCredential(ctx, a0))

	a1 := fullCredential("a1", "p1", "L", 1)
	a1.IssuedAt, a1.UpdatedAt = at(1), at(1)
	must(t, "IssueCredential a1", s.IssueCredential(ctx, a1))
	assertEqual(t, "a0 after issuing a1", get("a0"), a0)
	assertEqual(t, "a1 after issuing a1", get("a1"), a1)

	// a1 suspended; b1 belongs to another person.
	a1s, err := s.UpdateCredential(ctx, "a1", func(c storage.Credential) (storage.Credential, error) {
		c.Status, c.StatusReason, c.StatusBy, c.UpdatedAt = storage.CredentialSuspended, "check", storage.StatusByOperator, at(2)
		return c, nil
	})
	must(t, "UpdateCredential a1", err)
	b1 := fullCredential("b1", "p2", "L", 2)
	must(t, "IssueCredential b1", s.IssueCredential(ctx, b1))

	// a2 supersedes the suspended a1.
	a2 := fullCredential("a2", "p1", "L", 3)
	a2.IssuedAt, a2.UpdatedAt = at(10), at(10)
	must(t, "IssueCredential a2", s.IssueCredential(ctx, a2))
	a1r := a1s
	a1r.Status, a1r.StatusReason, a1r.StatusBy, a1r.UpdatedAt = storage.CredentialRevoked, "superseded", storage.StatusByPlatform, a2.IssuedAt
	assertEqual(t, "a1 after issuing a2", get("a1"), a1r)
	assertEqual(t, "a0 after issuing a2", get("a0"), a0)
	assertEqual(t, "a2 after issuing a2", get("a2"), a2)
	assertEqual(t, "b1 (other person) after issuing a2", get("b1"), b1)

	// a3 supersedes the active a2; a1 is already revoked and keeps its time.
	a3 := fullCredential("a3", "p1", "L", 4)
	a3.IssuedAt, a3.UpdatedAt = at(20), at(20)
	must(t, "IssueCredential a3", s.IssueCredential(ctx, a3))
	a2r := a2
	a2r.Status, a2r.StatusReason, a2r.StatusBy, a2r.UpdatedAt = storage.CredentialRevoked, "superseded", storage.StatusByPlatform, a3.IssuedAt
	assertEqual(t, "a2 after issuing a3", get("a2"), a2r)
	assertEqual(t, "a1 after issuing a3", get("a1"), a1r)
	assertEqual(t, "a0 after issuing a3", get("a0"), a0)
	assertEqual(t, "a3 after issuing a3", get("a3"), a3)
	assertEqual(t, "b1 after issuing a3", get("b1"), b1)

	tests := []struct {
		person string
		want   []storage.Credential
	}{
		{"p1", []storage.Credential{a0, a1r, a2r, a3}},
		{"p2", []storage.Credential{b1}},
		{"p3", nil},
	}
	for _, tc := range tests {
		got, err := s.ListCredentials(ctx, tc.person)
		must(t, "ListCredentials", err)
		sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
		if len(got) != len(tc.want) {
			t.Errorf("ListCredentials(%s): got %d credentials, want %d", tc.person, len(got), len(tc.want))
			continue
		}
		for i := range got {
			assertEqual(t, "ListCredentials("+tc.person+")", got[i], tc.want[i])
		}
	}
}

func testCredentialUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	c := fullCredential("c1", "p1", "list-1", 1)
	must(t, "IssueCredential", s.IssueCredential(ctx, c))

	_, err := s.UpdateCredential(ctx, c.ID, func(cur storage.Credential) (storage.Credential, error) {
		cur.Status = storage.CredentialRevoked
		return cur, errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("UpdateCredential error = %v, want errFn unchanged", err)
	}
	got, err := s.GetCredential(ctx, c.ID)
	must(t, "GetCredential", err)
	assertEqual(t, "credential after failed update", got, c)

	want := storage.Credential{
		ID: c.ID, PersonID: "p9", Status: storage.CredentialRevoked, StatusReason: "holder request",
		StatusList: "list-9", StatusIndex: 99, DeviceKey: []byte(`{}`), DeviceKeyID: "thumb-9",
		SigningKeyID: "kid-9", IssuedAt: at(1), ExpiresAt: at(2), UpdatedAt: at(3),
	}
	got, err = s.UpdateCredential(ctx, c.ID, func(cur storage.Credential) (storage.Credential, error) {
		assertEqual(t, "UpdateCredential fn argument", cur, c)
		return want, nil
	})
	must(t, "UpdateCredential", err)
	assertEqual(t, "UpdateCredential result", got, want)
	got, err = s.GetCredential(ctx, c.ID)
	must(t, "GetCredential", err)
	assertEqual(t, "GetCredential after update", got, want)

	// Moving onto a taken status list slot is ErrAlreadyExists.
	must(t, "IssueCredential", s.IssueCredential(ctx, fullCredential("c2", "p2", "list-2", 5)))
	_, err = s.UpdateCredential(ctx, c.ID, func(cur storage.Credential) (storage.Credential, error) {
		cur.StatusList, cur.StatusIndex = "list-2", 5
		return cur, nil
	})
	assertErr(t, "UpdateCredential to a taken status slot", err, storage.ErrAlreadyExists)

	called := false
	_, err = s.UpdateCredential(ctx, "nope", func(c storage.Credential) (storage.Credential, error) {
		called = true
		return c, nil
	})
	assertErr(t, "UpdateCredential missing", err, storage.ErrNotFound)
	if called {
		t.Error("UpdateCredential called fn for a missing credential")
	}
}

func testListStatuses(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	mk := func(id, person, list string, index int64, status storage.CredentialStatus) storage.Credential {
		c := fullCredential(id, person, list, index)
		c.Status = status
		return c
	}
	for _, c := range []storage.Credential{
		mk("c5", "p5", "L1", 5, storage.CredentialActive),
		mk("c1", "p1", "L1", 1, storage.CredentialSuspended),
		mk("c3", "p3", "L1", 3, storage.CredentialRevoked),
		mk("c1000", "p4", "L1", 1000, storage.CredentialActive),
		mk("c2", "p2", "L2", 2, storage.CredentialActive),
	} {
		must(t, "IssueCredential", s.IssueCredential(ctx, c))
	}
	tests := []struct {
		list string
		want []storage.StatusEntry
	}{
		{"L1", []storage.StatusEntry{
			{Index: 1, Status: storage.CredentialSuspended},
			{Index: 3, Status: storage.CredentialRevoked},
			{Index: 5, Status: storage.CredentialActive},
			{Index: 1000, Status: storage.CredentialActive},
		}},
		{"L2", []storage.StatusEntry{{Index: 2, Status: storage.CredentialActive}}},
		{"L3", nil},
	}
	for _, tc := range tests {
		got, err := s.ListStatuses(ctx, tc.list)
		must(t, "ListStatuses", err)
		if len(got) != len(tc.want) {
			t.Errorf("ListStatuses(%s) = %+v, want %+v", tc.list, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ListStatuses(%s) = %+v, want %+v", tc.list, got, tc.want)
				break
			}
		}
	}
}

func testLatestExpiry(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	mk := func(id, kid string, index int64, expires time.Time) storage.Credential {
		c := fullCredential(id, "p-"+id, "L", index)
		c.SigningKeyID, c.ExpiresAt = kid, expires
		return c
	}
	for _, c := range []storage.Credential{
		mk("c1", "k1", 1, at(100)),
		mk("c2", "k1", 2, at(300)),
		mk("c3", "k1", 3, at(200)),
		mk("c4", "k2", 4, at(50)),
	} {
		must(t, "IssueCredential", s.IssueCredential(ctx, c))
	}
	// Revocation does not matter: the credential stays valid-looking to a
	// verifier holding an old status list until it expires.
	_, err := s.UpdateCredential(ctx, "c2", func(c storage.Credential) (storage.Credential, error) {
		c.Status = storage.CredentialRevoked
		return c, nil
	})
	must(t, "UpdateCredential", err)
	tests := []struct {
		kid  string
		want time.Time
	}{
		{"k1", at(300)},
		{"k2", at(50)},
		{"k3", time.Time{}},
	}
	for _, tc := range tests {
		got, err := s.LatestExpiry(ctx, tc.kid)
		must(t, "LatestExpiry", err)
		if !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("LatestExpiry(%s) = %v, want %v in UTC", tc.kid, got, tc.want.UTC())
		}
		if tc.want.IsZero() && !got.IsZero() {
			t.Errorf("LatestExpiry(%s) = %v, want the zero time", tc.kid, got)
		}
	}
}

// ---- Codes ----

func fullCode(id, subject string, created int) storage.Code {
	return storage.Code{
		ID:         id,
		Subject:    subject,
		PhoneIndex: "phidx-1",
		Hash:       []byte("hmac of the code"),
		Attempts:   1,
		CreatedAt:  at(created),
		ExpiresAt:  at(created + 5),
		ConsumedAt: at(created + 1),
	}
}

func testCodeRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	for _, c := range []storage.Code{
		fullCode("code-full", "application:a1", 0),
		{ID: "code-zero", Subject: "application:a2"},
		{ID: "code-empty", Subject: "application:a3", Hash: []byte{}, CreatedAt: at(1)},
	} {
		must(t, "CreateCode", s.CreateCode(ctx, c))
		got, err := s.LatestCode(ctx, c.Subject)
		must(t, "LatestCode", err)
		assertEqual(t, "LatestCode "+c.ID, got, c)
	}
}

func testCodeDuplicate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	c := fullCode("code-1", "application:a1", 0)
	must(t, "CreateCode", s.CreateCode(ctx, c))
	assertErr(t, "CreateCode duplicate", s.CreateCode(ctx, fullCode("code-1", "application:a2", 9)), storage.ErrAlreadyExists)
	_, err := s.LatestCode(ctx, "application:a2")
	assertErr(t, "LatestCode after failed create", err, storage.ErrNotFound)
}

func testLatestCode(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	_, err := s.LatestCode(ctx, "application:a1")
	assertErr(t, "LatestCode with no codes", err, storage.ErrNotFound)
	newest := fullCode("code-newest", "application:a1", 20)
	for _, c := range []storage.Code{
		newest, // created first, but newest by CreatedAt
		fullCode("code-oldest", "application:a1", 0),
		fullCode("code-middle", "application:a1", 10),
		fullCode("code-other-subject", "application:a2", 30),
	} {
		must(t, "CreateCode", s.CreateCode(ctx, c))
	}
	got, err := s.LatestCode(ctx, "application:a1")
	must(t, "LatestCode", err)
	assertEqual(t, "LatestCode", got, newest)
}

func testCodeUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	c := fullCode("code-1", "application:a1", 0)
	c.ConsumedAt = time.Time{}
	must(t, "CreateCode", s.CreateCode(ctx, c))

	_, err := s.UpdateCode(ctx, c.ID, func(cur storage.Code) (storage.Code, error) {
		cur.Attempts = 5
		return cur, errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("UpdateCode error = %v, want errFn unchanged", err)
	}
	got, err := s.LatestCode(ctx, c.Subject)
	must(t, "LatestCode", err)
	assertEqual(t, "code after failed update", got, c)

	want := storage.Code{
		ID: c.ID, Subject: c.Subject, PhoneIndex: "phidx-2", Hash: []byte("other hmac"),
		Attempts: 3, CreatedAt: c.CreatedAt, ExpiresAt: at(50), ConsumedAt: at(2),
	}
	got, err = s.UpdateCode(ctx, c.ID, func(cur storage.Code) (storage.Code, error) {
		assertEqual(t, "UpdateCode fn argument", cur, c)
		return want, nil
	})
	must(t, "UpdateCode", err)
	assertEqual(t, "UpdateCode result", got, want)
	got, err = s.LatestCode(ctx, c.Subject)
	must(t, "LatestCode", err)
	assertEqual(t, "LatestCode after update", got, want)

	called := false
	_, err = s.UpdateCode(ctx, "nope", func(c storage.Code) (storage.Code, error) {
		called = true
		return c, nil
	})
	assertErr(t, "UpdateCode missing", err, storage.ErrNotFound)
	if called {
		t.Error("UpdateCode called fn for a missing code")
	}
}

// ---- Counters and nonces ----

func increment(t *testing.T, s storage.Storage, key string, expiresAt time.Time, want int64) {
	t.Helper()
	got, err := s.Increment(t.Context(), key, expiresAt)
	must(t, "Increment", err)
	if got != want {
		t.Errorf("Increment(%s, %v) = %d, want %d", key, expiresAt, got, want)
	}
}

func testIncrementCounts(t *testing.T, s storage.Storage) {
	later := time.Now().Add(time.Hour)
	increment(t, s, "a", later, 1)
	increment(t, s, "a", later, 2)
	increment(t, s, "b", later, 1)
	increment(t, s, "a", later, 3)
	increment(t, s, "b", later.Add(time.Hour), 2) // another expiresAt does not restart a live counter
}

func testIncrementExpiry(t *testing.T, s storage.Storage) {
	now := time.Now()
	increment(t, s, "k", now.Add(-time.Hour), 1)
	// Past its expiry: counts as absent, starts again at 1 and takes the
	// new expiry (now+1h).
	increment(t, s, "k", now.Add(time.Hour), 1)
	// Live: counts on and keeps now+1h, not now+5h …
	increment(t, s, "k", now.Add(5*time.Hour), 2)
	// … which DeleteExpired at now+2h shows: the counter is gone.
	must(t, "DeleteExpired", s.DeleteExpired(t.Context(), now.Add(2*time.Hour)))
	increment(t, s, "k", now.Add(5*time.Hour), 1)
}

func testIncrementZeroExpiry(t *testing.T, s storage.Storage) {
	increment(t, s, "k", time.Time{}, 1)
	increment(t, s, "k", time.Time{}, 2)
	must(t, "DeleteExpired", s.DeleteExpired(t.Context(), time.Now().Add(100*365*24*time.Hour)))
	increment(t, s, "k", time.Time{}, 3)
	increment(t, s, "k", time.Now().Add(time.Hour), 4)
}

func testUseNonce(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	later := time.Now().Add(time.Hour)
	tests := []struct {
		key  string
		want error
	}{
		{"n1", nil},
		{"n1", storage.ErrAlreadyExists},
		{"n2", nil},
		{"n1", storage.ErrAlreadyExists},
		{"n2", storage.ErrAlreadyExists},
	}
	for i, tc := range tests {
		assertErr(t, fmt.Sprintf("UseNonce #%d (%s)", i, tc.key), s.UseNonce(ctx, tc.key, later), tc.want)
	}
}

func testUseNonceExpiry(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	now := time.Now()
	tests := []struct {
		key       string
		expiresAt time.Time
		want      error
	}{
		{"n", now.Add(-time.Hour), nil},
		{"n", now.Add(time.Hour), nil}, // the record had expired
		{"n", now.Add(time.Hour), storage.ErrAlreadyExists},
		{"n", now.Add(2 * time.Hour), storage.ErrAlreadyExists},
		{"forever", time.Time{}, nil},
		{"forever", now.Add(time.Hour), storage.ErrAlreadyExists},
	}
	for i, tc := range tests {
		assertErr(t, fmt.Sprintf("UseNonce #%d (%s)", i, tc.key), s.UseNonce(ctx, tc.key, tc.expiresAt), tc.want)
	}
	// A nonce with a zero expiry never expires.
	must(t, "DeleteExpired", s.DeleteExpired(ctx, now.Add(100*365*24*time.Hour)))
	assertErr(t, "UseNonce forever after DeleteExpired", s.UseNonce(ctx, "forever", time.Time{}), storage.ErrAlreadyExists)
}

// ---- DeleteExpired ----

func testDeleteExpired(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	must(t, "DeleteExpired on empty storage", s.DeleteExpired(ctx, time.Now()))

	// cut lies hours ahead of the real clock, so nothing below counts as
	// expired for Increment and UseNonce until DeleteExpired removes it.
	cut := time.Now().Add(10 * time.Hour).Truncate(time.Second).In(cst)
	before, after := cut.Add(-time.Hour), cut.Add(time.Hour)

	codes := []struct {
		id      string
		expires time.Time
		kept    bool
	}{
		{"code-expired", before, false},
		{"code-live", after, true},
		{"code-at-cut", cut, true}, // expired at, not before, now
		{"code-no-expiry", time.Time{}, true},
	}
	for _, c := range codes {
		code := fullCode(c.id, "subject:"+c.id, 0)
		code.ExpiresAt = c.expires
		must(t, "CreateCode", s.CreateCode(ctx, code))
	}

	apps := []struct {
		id      string
		state   storage.ApplicationState
		expires time.Time
		kept    bool
	}{
		{"app-expired", storage.StatePhone, before, false},
		{"app-expired-declined", storage.StateDeclined, before, false},
		{"app-expired-issued", storage.StateIssued, before, true},
		{"app-live-issued", storage.StateIssued, after, true},
		{"app-live", storage.StatePhone, after, true},
		{"app-at-cut", storage.StatePhone, cut, true},
		{"app-no-expiry", storage.StatePhone, time.Time{}, true},
	}
	for _, a := range apps {
		app := fullApplication(a.id)
		app.State, app.ExpiresAt = a.state, a.expires
		must(t, "CreateApplication", s.CreateApplication(ctx, app))
		must(t, "PutApplicationPhoto", s.PutApplicationPhoto(ctx, a.id, []byte("sealed photo of "+a.id)))
	}

	increment(t, s, "counter-expired", before, 1)
	increment(t, s, "counter-live", after, 1)
	increment(t, s, "counter-no-expiry", time.Time{}, 1)
	must(t, "UseNonce", s.UseNonce(ctx, "nonce-expired", before))
	must(t, "UseNonce", s.UseNonce(ctx, "nonce-live", after))

	// Sessions and grants stay for SessionRetention after their expiry.
	retained := []struct {
		id      string
		expires time.Time
		kept    bool
	}{
		{"old", cut.Add(-storage.SessionRetention - time.Hour), false},
		{"retained", before, true},
		{"at-retention-cut", cut.Add(-storage.SessionRetention), true},
		{"live", after, true},
	}
	for _, r := range retained {
		sess := fullSession("s-" + r.id)
		sess.CodeHash, sess.ExpiresAt = []byte("code-"+r.id), r.expires
		must(t, "CreateSession", s.CreateSession(ctx, sess))
		g := fullGrant("g-"+r.id, sess.ID)
		g.Hash, g.ExpiresAt = []byte("grant-"+r.id), r.expires
		must(t, "CreateGrant", s.CreateGrant(ctx, g))
	}

	must(t, "DeleteExpired", s.DeleteExpired(ctx, cut))

	for _, r := range retained {
		_, err := s.GetSession(ctx, "s-"+r.id)
		_, gerr := s.GetGrantByHash(ctx, []byte("grant-"+r.id))
		want := error(nil)
		if !r.kept {
			want = storage.ErrNotFound
		}
		assertErr(t, "session "+r.id+" after DeleteExpired", err, want)
		assertErr(t, "grant "+r.id+" after DeleteExpired", gerr, want)
	}

	for _, c := range codes {
		_, err := s.LatestCode(ctx, "subject:"+c.id)
		if c.kept {
			assertErr(t, c.id+" after DeleteExpired", err, nil)
		} else {
			assertErr(t, c.id+" after DeleteExpired", err, storage.ErrNotFound)
		}
	}
	for _, a := range apps {
		// The photo goes with an expired application, issued or not.
		photo, err := s.GetApplicationPhoto(ctx, a.id)
		if a.expires.Before(cut) && !a.expires.IsZero() {
			assertErr(t, a.id+"'s photo after DeleteExpired", err, storage.ErrNotFound)
		} else {
			must(t, a.id+"'s photo after DeleteExpired", err)
			assertBytes(t, a.id+"'s photo after DeleteExpired", photo, []byte("sealed photo of "+a.id))
		}
		got, err := s.GetApplication(ctx, a.id)
		if a.kept {
			assertErr(t, a.id+" after DeleteExpired", err, nil)
		} else {
			assertErr(t, a.id+" after DeleteExpired", err, storage.ErrNotFound)
			continue
		}
		// An expired issued application keeps no personal data; others
		// are untouched.
		want := fullApplication(a.id)
		want.State, want.ExpiresAt = a.state, a.expires
		if a.state == storage.StateIssued && a.expires.Before(cut) && !a.expires.IsZero() {
			want.Identity, want.Phone, want.PasswordHash, want.FaceChallenge = nil, nil, "", nil
		}
		assertEqual(t, a.id+" after DeleteExpired", got, want)
	}
	increment(t, s, "counter-expired", after, 1) // deleted: starts again
	increment(t, s, "counter-live", after, 2)
	increment(t, s, "counter-no-expiry", time.Time{}, 2)
	assertErr(t, "nonce-expired after DeleteExpired", s.UseNonce(ctx, "nonce-expired", after), nil)
	assertErr(t, "nonce-live after DeleteExpired", s.UseNonce(ctx, "nonce-live", after), storage.ErrAlreadyExists)
}

// ---- Signing keys ----

func fullSigningKey(id string, created int) storage.SigningKey {
	return storage.SigningKey{
		ID:        id,
		Algorithm: "ES256",
		Private:   []byte("sealed pkcs8 of " + id),
		Public:    []byte(`{"kty":"EC","kid":"` + id + `"}`),
		CreatedAt: at(created),
	}
}

func listSigningKeys(t *testing.T, s storage.Storage, want []storage.SigningKey) {
	t.Helper()
	got, err := s.ListSigningKeys(t.Context())
	must(t, "ListSigningKeys", err)
	if len(got) != len(want) {
		t.Fatalf("ListSigningKeys: got %d keys, want %d", len(got), len(want))
	}
	for i := range got {
		assertEqual(t, fmt.Sprintf("ListSigningKeys[%d]", i), got[i], want[i])
	}
}

func testSigningKeys(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	listSigningKeys(t, s, nil)
	k1, k2, k3 := fullSigningKey("k1", 0), fullSigningKey("k2", 10), fullSigningKey("k3", 20)
	k2.RetiredAt, k2.PublishUntil = at(15), at(1000)
	for _, k := range []storage.SigningKey{k1, k3, k2} {
		must(t, "CreateSigningKey", s.CreateSigningKey(ctx, k))
	}
	listSigningKeys(t, s, []storage.SigningKey{k3, k2, k1})
	dup := fullSigningKey("k1", 30)
	assertErr(t, "CreateSigningKey duplicate", s.CreateSigningKey(ctx, dup), storage.ErrAlreadyExists)
	listSigningKeys(t, s, []storage.SigningKey{k3, k2, k1})
}

func testSigningKeyUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	k := fullSigningKey("k1", 0)
	must(t, "CreateSigningKey", s.CreateSigningKey(ctx, k))

	_, err := s.UpdateSigningKey(ctx, k.ID, func(cur storage.SigningKey) (storage.SigningKey, error) {
		cur.RetiredAt = at(5)
		return cur, errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("UpdateSigningKey error = %v, want errFn unchanged", err)
	}
	listSigningKeys(t, s, []storage.SigningKey{k})

	want := storage.SigningKey{
		ID: k.ID, Algorithm: "EdDSA", Private: nil, Public: []byte("{}"),
		CreatedAt: at(1), RetiredAt: at(5), PublishUntil: at(500),
	}
	got, err := s.UpdateSigningKey(ctx, k.ID, func(cur storage.SigningKey) (storage.SigningKey, error) {
		assertEqual(t, "UpdateSigningKey fn argument", cur, k)
		return want, nil
	})
	must(t, "UpdateSigningKey", err)
	assertEqual(t, "UpdateSigningKey result", got, want)
	listSigningKeys(t, s, []storage.SigningKey{want})

	called := false
	_, err = s.UpdateSigningKey(ctx, "nope", func(k storage.SigningKey) (storage.SigningKey, error) {
		called = true
		return k, nil
	})
	assertErr(t, "UpdateSigningKey missing", err, storage.ErrNotFound)
	if called {
		t.Error("UpdateSigningKey called fn for a missing key")
	}
}

func testPing(t *testing.T, s storage.Storage) {
	must(t, "Ping", s.Ping(t.Context()))
}
