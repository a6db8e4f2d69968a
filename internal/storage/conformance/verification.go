package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// verificationTests are the functional tests of storage.VerificationStore
// and of the persons' guardians; RunTests runs them with the others.
func verificationTests() []subtest {
	return []subtest{
		{"Person/GuardianRoundTrip", testPersonGuardian},
		{"Person/ListWards", testListWards},
		{"StringLists/RoundTrip", testStringListsRoundTrip},
		{"StringLists/Invalid", testStringListsInvalid},
		{"RelyingParty/RoundTrip", testRelyingPartyRoundTrip},
		{"RelyingParty/Duplicate", testRelyingPartyDuplicate},
		{"RelyingParty/Missing", testRelyingPartyMissing},
		{"RelyingParty/Update", testRelyingPartyUpdate},
		{"RelyingParty/List", testListRelyingParties},
		{"Session/RoundTrip", testSessionRoundTrip},
		{"Session/Unique", testSessionUnique},
		{"Session/Missing", testSessionMissing},
		{"Session/Update", testSessionUpdate},
		{"Session/UpdateCodeConflict", testSessionUpdateConflict},
		{"Session/Claim", testClaimSession},
		{"Session/ClaimChallenge", testClaimSessionChallenge},
		{"Session/Finish", testFinishSession},
		{"Session/ClaimNonce", testClaimSessionNonce},
		{"Session/FinishNonce", testFinishSessionNonce},
		{"Session/ListGuardian", testListGuardianSessions},
		{"Grant/RoundTrip", testGrantRoundTrip},
		{"Grant/Unique", testGrantUnique},
		{"Grant/Missing", testGrantMissing},
		{"Grant/Update", testGrantUpdate},
		{"Grant/Revoke", testRevokeGrants},
		{"Consent/RoundTrip", testConsentRoundTrip},
		{"Consent/PutReplaces", testConsentReplace},
		{"Consent/Update", testConsentUpdate},
		{"Consent/ListDelete", testConsentListDelete},
		{"Record/Append", testAppendRecord},
		{"Record/RoundTrip", testRecordRoundTrip},
		{"Record/ChainError", testAppendRecordChainError},
		{"Record/ListPaging", testListRecords},
		{"Record/ListPersonPaging", testListPersonRecords},
		{"Head/PutList", testHeads},
		{"TreeHead/PutGetList", testTreeHeads},
		{"TreeNode/PutGet", testTreeNodes},
	}
}

// assertList fails unless got and want have the same length and equal
// elements (assertEqual), in order.
func assertList[T any](t testing.TB, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d items, want %d:\n got %+v\nwant %+v", what, len(got), len(want), got, want)
	}
	for i := range got {
		assertEqual(t, fmt.Sprintf("%s[%d]", what, i), got[i], want[i])
	}
}

// assertNil fails unless a list method's result is nil (not merely empty).
func assertNil[T any](t testing.TB, what string, got []T) {
	t.Helper()
	if got != nil {
		t.Errorf("%s = %#v, want nil", what, got)
	}
}

// awkward are list elements that naive encodings (comma-joined text,
// hand-built array literals) would get wrong.
var awkward = []string{"", "a,b", `"quoted"`, "{braces}", `back\slash`, "NULL", " padded ", "身份核验", "emoji 🪪", "new\nline"}

// ---- Persons: guardians ----

func testPersonGuardian(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	p := fullPerson("p1", "idx-1", "100000000001")
	p.GuardianID = "guardian-1"
	got, created, err := s.GetOrCreatePerson(ctx, p)
	must(t, "GetOrCreatePerson", err)
	if !created {
		t.Fatal("GetOrCreatePerson: created = false")
	}
	assertEqual(t, "GetOrCreatePerson", got, p)
	stored, err := s.GetPerson(ctx, p.ID)
	must(t, "GetPerson", err)
	assertEqual(t, "GetPerson", stored, p)

	want := p
	want.GuardianID = ""
	got, err = s.UpdatePerson(ctx, p.ID, func(cur storage.Person) (storage.Person, error) {
		assertEqual(t, "UpdatePerson fn argument", cur, p)
		cur.GuardianID = ""
		return cur, nil
	})
	must(t, "UpdatePerson", err)
	assertEqual(t, "UpdatePerson result", got, want)
	stored, err = s.GetPersonByWanghao(ctx, p.Wanghao)
	must(t, "GetPersonByWanghao", err)
	assertEqual(t, "GetPersonByWanghao after update", stored, want)
}

func testListWards(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	mk := func(id, guardian string, created int) storage.Person {
		p := fullPerson(id, "idx-"+id, fmt.Sprintf("2000000000%02d", created))
		p.GuardianID, p.CreatedAt = guardian, at(created)
		return p
	}
	persons := []storage.Person{
		mk("ward-late", "g1", 30),
		mk("ward-early", "g1", 10),
		mk("ward-mid", "g1", 20),
		mk("ward-other", "g2", 15),
		mk("adult", "", 5),
		mk("adult2", "", 6),
	}
	for _, p := range persons {
		_, _, err := s.GetOrCreatePerson(ctx, p)
		must(t, "GetOrCreatePerson", err)
	}
	tests := []struct {
		guardian string
		want     []storage.Person
	}{
		{"g1", []storage.Person{persons[1], persons[2], persons[0]}},
		{"g2", []storage.Person{persons[3]}},
		{"g3", nil},
		{"", nil}, // matches no one, not every adult
	}
	for _, tc := range tests {
		got, err := s.ListWards(ctx, tc.guardian)
		must(t, "ListWards", err)
		what := fmt.Sprintf("ListWards(%q)", tc.guardian)
		assertList(t, what, got, tc.want)
		if tc.want == nil {
			assertNil(t, what, got)
		}
	}

	// A guardian recorded later (re-issue) moves the ward.
	moved, err := s.UpdatePerson(ctx, "ward-mid", func(p storage.Person) (storage.Person, error) {
		p.GuardianID = "g2"
		return p, nil
	})
	must(t, "UpdatePerson", err)
	got, err := s.ListWards(ctx, "g2")
	must(t, "ListWards", err)
	assertList(t, "ListWards(g2) after update", got, []storage.Person{persons[3], moved})
	got, err = s.ListWards(ctx, "g1")
	must(t, "ListWards", err)
	assertList(t, "ListWards(g1) after update", got, []storage.Person{persons[1], persons[0]})
}

// ---- String lists ----

func testStringListsRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	rp := storage.RelyingParty{ID: "rp-awkward", Domains: awkward, RedirectURIs: []string{""},
		AllowedClaims: []string{"a", "a", "b"}}
	must(t, "CreateRelyingParty", s.CreateRelyingParty(ctx, rp))
	got, err := s.GetRelyingParty(ctx, rp.ID)
	must(t, "GetRelyingParty", err)
	assertEqual(t, "relying party with awkward lists", got, rp)

	v := storage.Session{ID: "s-awkward", Claims: awkward, Provided: []string{"", ""}}
	must(t, "CreateSession", s.CreateSession(ctx, v))
	gotS, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "session with awkward lists", gotS, v)

	c := storage.Consent{PersonID: "p1", RPID: "rp-awkward", Claims: awkward, Plaintext: []string{"name"}}
	must(t, "PutConsent", s.PutConsent(ctx, c))
	gotC, err := s.GetConsent(ctx, c.PersonID, c.RPID)
	must(t, "GetConsent", err)
	assertEqual(t, "consent with awkward lists", gotC, c)

	r, err := s.AppendRecord(ctx, storage.Record{ID: "r1", Provided: awkward}, nil)
	must(t, "AppendRecord", err)
	recs, err := s.ListRecords(ctx, 0, 10)
	must(t, "ListRecords", err)
	assertList(t, "record with awkward lists", recs, []storage.Record{r})
	if len(recs) == 1 && len(recs[0].Provided) != len(awkward) {
		t.Errorf("record Provided = %q, want %q", recs[0].Provided, awkward)
	}
}

func testStringListsInvalid(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	for _, bad := range [][]string{{"ok", "\xff\xfe"}, {"nul\x00byte"}} {
		err := s.CreateRelyingParty(ctx, storage.RelyingParty{ID: "rp-bad", AllowedClaims: bad})
		if err == nil {
			t.Errorf("CreateRelyingParty with %q: no error", bad)
		}
		_, err = s.GetRelyingParty(ctx, "rp-bad")
		assertErr(t, "GetRelyingParty after rejected create", err, storage.ErrNotFound)

		if err := s.CreateSession(ctx, storage.Session{ID: "s-bad", Provided: bad}); err == nil {
			t.Errorf("CreateSession with %q: no error", bad)
		}
		_, err = s.GetSession(ctx, "s-bad")
		assertErr(t, "GetSession after rejected create", err, storage.ErrNotFound)

		if err := s.PutConsent(ctx, storage.Consent{PersonID: "p1", RPID: "rp", Plaintext: bad}); err == nil {
			t.Errorf("PutConsent with %q: no error", bad)
		}
		_, err = s.GetConsent(ctx, "p1", "rp")
		assertErr(t, "GetConsent after rejected put", err, storage.ErrNotFound)

		if _, err := s.AppendRecord(ctx, storage.Record{ID: "r-bad", Provided: bad}, nil); err == nil {
			t.Errorf("AppendRecord with %q: no error", bad)
		}
		recs, err := s.ListRecords(ctx, 0, 10)
		must(t, "ListRecords", err)
		assertNil(t, "ListRecords after rejected append", recs)
	}
}

// ---- Relying parties ----

func fullRelyingParty(id string) storage.RelyingParty {
	return storage.RelyingParty{
		ID:            id,
		Name:          "示例平台 " + id,
		Sector:        "sector-" + id,
		Category:      storage.CategoryInternetService,
		LegalBasis:    "网络安全法 第二十四条",
		Domains:       []string{id + ".example", "login." + id + ".example"},
		RedirectURIs:  []string{"https://" + id + ".example/cb", "https://" + id + ".example/cb?x=1"},
		AllowedClaims: []string{"result", "sub", "age_over_18"},
		AuthMethod:    storage.AuthPrivateKeyJWT,
		IDTokenAlg:    "RS256",
		JWKS:          []byte(`{"keys":[]}`),
		SecretHash:    "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		AltURL:        "https://" + id + ".example/signup",
		AltText:       "到门店柜台办理 · at our shop counter",
		Disabled:      true,
		CreatedAt:     at(0),
		UpdatedAt:     at(1),
	}
}

func testRelyingPartyRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	tests := []struct {
		name    string
		in, out storage.RelyingParty
	}{
		{"full", fullRelyingParty("rp-full"), fullRelyingParty("rp-full")},
		{"zero", storage.RelyingParty{ID: "rp-zero"}, storage.RelyingParty{ID: "rp-zero"}},
		{"empty slices",
			storage.RelyingParty{ID: "rp-empty", Domains: []string{}, RedirectURIs: []string{},
				AllowedClaims: []string{}, JWKS: []byte{}, AuthMethod: storage.AuthNone, CreatedAt: at(3)},
			storage.RelyingParty{ID: "rp-empty", AuthMethod: storage.AuthNone, CreatedAt: at(3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			must(t, "CreateRelyingParty", s.CreateRelyingParty(ctx, tc.in))
			got, err := s.GetRelyingParty(ctx, tc.in.ID)
			must(t, "GetRelyingParty", err)
			assertEqual(t, "GetRelyingParty", got, tc.out)
		})
	}
}

func testRelyingPartyDuplicate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	rp := fullRelyingParty("rp-1")
	must(t, "CreateRelyingParty", s.CreateRelyingParty(ctx, rp))
	other := fullRelyingParty("rp-1")
	other.Name, other.Disabled = "other", false
	assertErr(t, "CreateRelyingParty duplicate", s.CreateRelyingParty(ctx, other), storage.ErrAlreadyExists)
	got, err := s.GetRelyingParty(ctx, rp.ID)
	must(t, "GetRelyingParty", err)
	assertEqual(t, "relying party after duplicate create", got, rp)
}

func testRelyingPartyMissing(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	_, err := s.GetRelyingParty(ctx, "nope")
	assertErr(t, "GetRelyingParty missing", err, storage.ErrNotFound)
	called := false
	_, err = s.UpdateRelyingParty(ctx, "nope", func(rp storage.RelyingParty) (storage.RelyingParty, error) {
		called = true
		return rp, nil
	})
	assertErr(t, "UpdateRelyingParty missing", err, storage.ErrNotFound)
	if called {
		t.Error("UpdateRelyingParty called fn for a missing relying party")
	}
}

func testRelyingPartyUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	rp := fullRelyingParty("rp-1")
	must(t, "CreateRelyingParty", s.CreateRelyingParty(ctx, rp))

	_, err := s.UpdateRelyingParty(ctx, rp.ID, func(cur storage.RelyingParty) (storage.RelyingParty, error) {
		cur.Disabled = false
		return cur, errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("UpdateRelyingParty error = %v, want errFn unchanged", err)
	}
	got, err := s.GetRelyingParty(ctx, rp.ID)
	must(t, "GetRelyingParty", err)
	assertEqual(t, "relying party after failed update", got, rp)

	want := storage.RelyingParty{
		ID:            rp.ID,
		Name:          "renamed",
		Sector:        "sector-2",
		Category:      storage.CategoryInPerson,
		LegalBasis:    "",
		Domains:       nil,
		RedirectURIs:  []string{"https://new.example/cb"},
		AllowedClaims: []string{"result"},
		AuthMethod:    storage.AuthClientSecret,
		IDTokenAlg:    "ES256",
		JWKS:          nil,
		SecretHash:    "new hash",
		Disabled:      false,
		CreatedAt:     at(10),
		UpdatedAt:     time.Time{},
	}
	got, err = s.UpdateRelyingParty(ctx, rp.ID, func(cur storage.RelyingParty) (storage.RelyingParty, error) {
		assertEqual(t, "UpdateRelyingParty fn argument", cur, rp)
		return want, nil
	})
	must(t, "UpdateRelyingParty", err)
	assertEqual(t, "UpdateRelyingParty result", got, want)
	got, err = s.GetRelyingParty(ctx, rp.ID)
	must(t, "GetRelyingParty", err)
	assertEqual(t, "GetRelyingParty after update", got, want)

	// Empty slices come back nil from Update as from Get.
	got, err = s.UpdateRelyingParty(ctx, rp.ID, func(cur storage.RelyingParty) (storage.RelyingParty, error) {
		cur.RedirectURIs, cur.AllowedClaims = []string{}, []string{}
		return cur, nil
	})
	must(t, "UpdateRelyingParty", err)
	want.RedirectURIs, want.AllowedClaims = nil, nil
	assertEqual(t, "UpdateRelyingParty result with empty slices", got, want)
}

func testListRelyingParties(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	got, err := s.ListRelyingParties(ctx)
	must(t, "ListRelyingParties", err)
	assertNil(t, "ListRelyingParties on empty storage", got)

	// Bytewise: "B" < "_" < "a" < "b", whatever a database collation says.
	ids := []string{"rp-b", "rp-B", "rp-a", "rp-_"}
	for _, id := range ids {
		must(t, "CreateRelyingParty", s.CreateRelyingParty(ctx, fullRelyingParty(id)))
	}
	got, err = s.ListRelyingParties(ctx)
	must(t, "ListRelyingParties", err)
	assertList(t, "ListRelyingParties", got, []storage.RelyingParty{
		fullRelyingParty("rp-B"), fullRelyingParty("rp-_"), fullRelyingParty("rp-a"), fullRelyingParty("rp-b"),
	})
}

// ---- Sessions ----

func fullSession(id string) storage.Session {
	return storage.Session{
		ID:            id,
		RPID:          "rp-1",
		Channel:       "session",
		CodeHash:      []byte("mac of code " + id),
		Level:         "face",
		Claims:        []string{"result", "age_over_18"},
		Purpose:       "开户核验",
		CallbackURL:   "https://rp.example/cb",
		Nonce:         "nonce-" + id,
		Subject:       "pairwise-" + id,
		State:         storage.SessionClaimed,
		CredentialID:  "cred-1",
		PersonID:      "person-1",
		FaceChallenge: []byte{0xfa, 0xce, 0x00},
		GuardianID:    "guardian-1",
		LevelReached:  "password",
		Provided:      []string{"result"},
		Result:        []byte("sealed result jwt"),
		Error:         "https://netid.example/problems/declined",
		Data:          []byte(`{"redirect_uri":"https://rp.example/cb"}`),
		CreatedAt:     at(0),
		UpdatedAt:     at(1),
		ExpiresAt:     at(5),
	}
}

func testSessionRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	tests := []struct {
		name    string
		in, out storage.Session
	}{
		{"full", fullSession("s-full"), fullSession("s-full")},
		{"zero", storage.Session{ID: "s-zero"}, storage.Session{ID: "s-zero"}},
		{"empty slices",
			storage.Session{ID: "s-empty", CodeHash: []byte{}, Claims: []string{}, FaceChallenge: []byte{},
				Provided: []string{}, Result: []byte{}, Data: []byte{}, State: storage.SessionPending, ExpiresAt: at(2)},
			storage.Session{ID: "s-empty", State: storage.SessionPending, ExpiresAt: at(2)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			must(t, "CreateSession", s.CreateSession(ctx, tc.in))
			got, err := s.GetSession(ctx, tc.in.ID)
			must(t, "GetSession", err)
			assertEqual(t, "GetSession", got, tc.out)
			if len(tc.in.CodeHash) > 0 {
				got, err = s.GetSessionByCode(ctx, tc.in.CodeHash)
				must(t, "GetSessionByCode", err)
				assertEqual(t, "GetSessionByCode", got, tc.out)
			}
		})
	}
}

func testSessionUnique(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	first := fullSession("s-1")
	must(t, "CreateSession", s.CreateSession(ctx, first))
	sameCode := fullSession("s-2")
	sameCode.CodeHash = first.CodeHash
	tests := []struct {
		name string
		v    storage.Session
		want error
	}{
		{"same ID", fullSession("s-1"), storage.ErrAlreadyExists},
		{"same ID other code", func() storage.Session { v := fullSession("s-1"); v.CodeHash = []byte("x"); return v }(), storage.ErrAlreadyExists},
		{"same code", sameCode, storage.ErrAlreadyExists},
		{"no code", storage.Session{ID: "s-3"}, nil},
		{"no code again", storage.Session{ID: "s-4", CodeHash: []byte{}}, nil},
		{"other code", fullSession("s-5"), nil},
	}
	for _, tc := range tests {
		assertErr(t, "CreateSession "+tc.name, s.CreateSession(ctx, tc.v), tc.want)
	}
	got, err := s.GetSessionByCode(ctx, first.CodeHash)
	must(t, "GetSessionByCode", err)
	assertEqual(t, "GetSessionByCode after conflicts", got, first)
	_, err = s.GetSession(ctx, "s-2")
	assertErr(t, "GetSession of the rejected session", err, storage.ErrNotFound)
}

func testSessionMissing(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	must(t, "CreateSession", s.CreateSession(ctx, storage.Session{ID: "s-nocode"}))
	_, err := s.GetSession(ctx, "nope")
	assertErr(t, "GetSession missing", err, storage.ErrNotFound)
	for _, code := range [][]byte{nil, {}, []byte("unknown")} {
		_, err = s.GetSessionByCode(ctx, code)
		assertErr(t, fmt.Sprintf("GetSessionByCode(%q)", code), err, storage.ErrNotFound)
	}
	called := false
	_, err = s.UpdateSession(ctx, "nope", func(v storage.Session) (storage.Session, error) {
		called = true
		return v, nil
	})
	assertErr(t, "UpdateSession missing", err, storage.ErrNotFound)
	if called {
		t.Error("UpdateSession called fn for a missing session")
	}
}

func testSessionUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v := fullSession("s-1")
	must(t, "CreateSession", s.CreateSession(ctx, v))

	_, err := s.UpdateSession(ctx, v.ID, func(cur storage.Session) (storage.Session, error) {
		cur.State = storage.SessionApproved
		return cur, errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("UpdateSession error = %v, want errFn unchanged", err)
	}
	got, err := s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "session after failed update", got, v)

	want := storage.Session{
		ID: v.ID, RPID: "rp-2", Channel: "oidc", CodeHash: nil, Level: "password",
		Claims: []string{"sub"}, Purpose: "", CallbackURL: "", Nonce: "n2", Subject: "",
		State: storage.SessionApproved, CredentialID: "cred-2", PersonID: "person-2",
		FaceChallenge: nil, GuardianID: "", LevelReached: "face", Provided: []string{"sub", "result"},
		Result: []byte("other result"), Error: "", Data: nil,
		CreatedAt: at(10), UpdatedAt: at(11), ExpiresAt: time.Time{},
	}
	got, err = s.UpdateSession(ctx, v.ID, func(cur storage.Session) (storage.Session, error) {
		assertEqual(t, "UpdateSession fn argument", cur, v)
		return want, nil
	})
	must(t, "UpdateSession", err)
	assertEqual(t, "UpdateSession result", got, want)
	got, err = s.GetSession(ctx, v.ID)
	must(t, "GetSession", err)
	assertEqual(t, "GetSession after update", got, want)
	// The code was cleared: the old one no longer finds the session.
	_, err = s.GetSessionByCode(ctx, v.CodeHash)
	assertErr(t, "GetSessionByCode of the cleared code", err, storage.ErrNotFound)
}

func testSessionUpdateConflict(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	v1, v2 := fullSession("s-1"), fullSession("s-2")
	must(t, "CreateSession", s.CreateSession(ctx, v1))
	must(t, "CreateSession", s.CreateSession(ctx, v2))
	_, err := s.UpdateSession(ctx, v1.ID, func(cur storage.Session) (storage.Session, error) {
		cur.CodeHash, cur.State = v2.CodeHash, storage.SessionFailed
		return cur, nil
	})
	assertErr(t, "UpdateSession to a taken code", err, storage.ErrAlreadyExists)
	got, err := s.GetSession(ctx, v1.ID)
	must(t, "GetSession", err)
	assertEqual(t, "session after conflicting update", got, v1)
}

func testListGuardianSessions(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	mk := func(id, guardian string, state storage.SessionState, created int) storage.Session {
		v := fullSession(id)
		v.GuardianID, v.State, v.CreatedAt = guardian, state, at(created)
		return v
	}
	sessions := []storage.Session{
		mk("s-late", "g1", storage.SessionAwaitingGuardian, 30),
		mk("s-early", "g1", storage.SessionAwaitingGuardian, 10),
		mk("s-mid", "g1", storage.SessionAwaitingGuardian, 20),
		mk("s-other-state", "g1", storage.SessionApproved, 5),
		mk("s-other-guardian", "g2", storage.SessionAwaitingGuardian, 15),
		mk("s-no-guardian", "", storage.SessionAwaitingGuardian, 1),
	}
	for _, v := range sessions {
		must(t, "CreateSession", s.CreateSession(ctx, v))
	}
	tests := []struct {
		guardian string
		state    storage.SessionState
		want     []storage.Session
	}{
		{"g1", storage.SessionAwaitingGuardian, []storage.Session{sessions[1], sessions[2], sessions[0]}},
		{"g1", storage.SessionApproved, []storage.Session{sessions[3]}},
		{"g2", storage.SessionAwaitingGuardian, []storage.Session{sessions[4]}},
		{"g2", storage.SessionApproved, nil},
		{"g3", storage.SessionAwaitingGuardian, nil},
		{"", storage.SessionAwaitingGuardian, nil},
	}
	for _, tc := range tests {
		got, err := s.ListGuardianSessions(ctx, tc.guardian, tc.state)
		must(t, "ListGuardianSessions", err)
		what := fmt.Sprintf("ListGuardianSessions(%q, %s)", tc.guardian, tc.state)
		assertList(t, what, got, tc.want)
		if tc.want == nil {
			assertNil(t, what, got)
		}
	}
}

// ---- Grants ----

func fullGrant(id, sessionID string) storage.Grant {
	return storage.Grant{
		ID:         id,
		Kind:       storage.GrantCode,
		Hash:       []byte("mac of " + id),
		SessionID:  sessionID,
		RPID:       "rp-1",
		Data:       []byte(`{"scope":"openid","code_challenge":"abc"}`),
		CreatedAt:  at(0),
		ExpiresAt:  at(1),
		ConsumedAt: at(2),
		RevokedAt:  at(3),
	}
}

func testGrantRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	tests := []storage.Grant{
		fullGrant("g-full", "s-1"),
		{ID: "g-zero", Hash: []byte("h-zero")},
		{ID: "g-empty", Kind: storage.GrantRefresh, Hash: []byte{0x00}, Data: []byte{}, CreatedAt: at(4)},
	}
	for _, g := range tests {
		must(t, "CreateGrant", s.CreateGrant(ctx, g))
		got, err := s.GetGrantByHash(ctx, g.Hash)
		must(t, "GetGrantByHash", err)
		assertEqual(t, "GetGrantByHash "+g.ID, got, g)
	}
}

func testGrantUnique(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	g := fullGrant("g-1", "s-1")
	must(t, "CreateGrant", s.CreateGrant(ctx, g))
	sameHash := fullGrant("g-2", "s-2")
	sameHash.Hash = g.Hash
	sameID := fullGrant("g-1", "s-2")
	sameID.Hash = []byte("other")
	tests := []struct {
		name string
		g    storage.Grant
		want error
	}{
		{"same ID", sameID, storage.ErrAlreadyExists},
		{"same hash", sameHash, storage.ErrAlreadyExists},
		{"no hash", storage.Grant{ID: "g-3"}, nil},
		{"no hash again", storage.Grant{ID: "g-4", Hash: []byte{}}, nil},
		{"other hash", fullGrant("g-5", "s-1"), nil},
	}
	for _, tc := range tests {
		assertErr(t, "CreateGrant "+tc.name, s.CreateGrant(ctx, tc.g), tc.want)
	}
	got, err := s.GetGrantByHash(ctx, g.Hash)
	must(t, "GetGrantByHash", err)
	assertEqual(t, "grant after conflicts", got, g)
	_, err = s.GetGrantByHash(ctx, []byte("other"))
	assertErr(t, "GetGrantByHash of the rejected grant", err, storage.ErrNotFound)
}

func testGrantMissing(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	must(t, "CreateGrant", s.CreateGrant(ctx, storage.Grant{ID: "g-nohash"}))
	for _, h := range [][]byte{nil, {}, []byte("unknown")} {
		_, err := s.GetGrantByHash(ctx, h)
		assertErr(t, fmt.Sprintf("GetGrantByHash(%q)", h), err, storage.ErrNotFound)
	}
	called := false
	_, err := s.UpdateGrant(ctx, "nope", func(g storage.Grant) (storage.Grant, error) {
		called = true
		return g, nil
	})
	assertErr(t, "UpdateGrant missing", err, storage.ErrNotFound)
	if called {
		t.Error("UpdateGrant called fn for a missing grant")
	}
}

func testGrantUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	g := fullGrant("g-1", "s-1")
	g.ConsumedAt, g.RevokedAt = time.Time{}, time.Time{}
	other := fullGrant("g-2", "s-1")
	must(t, "CreateGrant", s.CreateGrant(ctx, g))
	must(t, "CreateGrant", s.CreateGrant(ctx, other))

	_, err := s.UpdateGrant(ctx, g.ID, func(cur storage.Grant) (storage.Grant, error) {
		cur.ConsumedAt = at(9)
		return cur, errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("UpdateGrant error = %v, want errFn unchanged", err)
	}
	got, err := s.GetGrantByHash(ctx, g.Hash)
	must(t, "GetGrantByHash", err)
	assertEqual(t, "grant after failed update", got, g)

	_, err = s.UpdateGrant(ctx, g.ID, func(cur storage.Grant) (storage.Grant, error) {
		cur.Hash = other.Hash
		return cur, nil
	})
	assertErr(t, "UpdateGrant to a taken hash", err, storage.ErrAlreadyExists)
	got, err = s.GetGrantByHash(ctx, g.Hash)
	must(t, "GetGrantByHash", err)
	assertEqual(t, "grant after conflicting update", got, g)

	want := storage.Grant{
		ID: g.ID, Kind: storage.GrantAccess, Hash: []byte("new mac"), SessionID: "s-9", RPID: "rp-9",
		Data: nil, CreatedAt: at(20), ExpiresAt: time.Time{}, ConsumedAt: at(21), RevokedAt: at(22),
	}
	got, err = s.UpdateGrant(ctx, g.ID, func(cur storage.Grant) (storage.Grant, error) {
		assertEqual(t, "UpdateGrant fn argument", cur, g)
		return want, nil
	})
	must(t, "UpdateGrant", err)
	assertEqual(t, "UpdateGrant result", got, want)
	got, err = s.GetGrantByHash(ctx, want.Hash)
	must(t, "GetGrantByHash new hash", err)
	assertEqual(t, "GetGrantByHash after update", got, want)
	_, err = s.GetGrantByHash(ctx, g.Hash)
	assertErr(t, "GetGrantByHash old hash", err, storage.ErrNotFound)
}

func testRevokeGrants(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	must(t, "RevokeGrants without grants", s.RevokeGrants(ctx, "s-none", at(1)))

	live := fullGrant("g-live", "s-1")
	live.ConsumedAt, live.RevokedAt = at(2), time.Time{}
	access := fullGrant("g-access", "s-1")
	access.Kind, access.ConsumedAt, access.RevokedAt = storage.GrantAccess, time.Time{}, time.Time{}
	revoked := fullGrant("g-revoked", "s-1") // revoked at(3) already
	otherSession := fullGrant("g-other", "s-2")
	otherSession.RevokedAt = time.Time{}
	for _, g := range []storage.Grant{live, access, revoked, otherSession} {
		must(t, "CreateGrant", s.CreateGrant(ctx, g))
	}
	must(t, "RevokeGrants", s.RevokeGrants(ctx, "s-1", at(50)))

	wantLive, wantAccess := live, access
	wantLive.RevokedAt, wantAccess.RevokedAt = at(50), at(50)
	for _, want := range []storage.Grant{wantLive, wantAccess, revoked, otherSession} {
		got, err := s.GetGrantByHash(ctx, want.Hash)
		must(t, "GetGrantByHash", err)
		assertEqual(t, "grant "+want.ID+" after RevokeGrants(s-1)", got, want)
	}
}

// ---- Consents ----

func fullConsent(personID, rpID string) storage.Consent {
	return storage.Consent{
		PersonID:   personID,
		RPID:       rpID,
		Claims:     []string{"result", "sub", "age_over_18"},
		Plaintext:  []string{"name", "id_number"},
		GuardianID: "guardian-" + personID,
		GuardianAt: at(1),
		GrantedAt:  at(2),
		UpdatedAt:  at(3),
	}
}

func testConsentRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	tests := []struct {
		name    string
		in, out storage.Consent
	}{
		{"full", fullConsent("p1", "rp-1"), fullConsent("p1", "rp-1")},
		{"zero", storage.Consent{PersonID: "p2", RPID: "rp-1"}, storage.Consent{PersonID: "p2", RPID: "rp-1"}},
		{"empty slices",
			storage.Consent{PersonID: "p3", RPID: "rp-1", Claims: []string{}, Plaintext: []string{}, GrantedAt: at(4)},
			storage.Consent{PersonID: "p3", RPID: "rp-1", GrantedAt: at(4)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			must(t, "PutConsent", s.PutConsent(ctx, tc.in))
			got, err := s.GetConsent(ctx, tc.in.PersonID, tc.in.RPID)
			must(t, "GetConsent", err)
			assertEqual(t, "GetConsent", got, tc.out)
		})
	}
	_, err := s.GetConsent(ctx, "p1", "rp-2")
	assertErr(t, "GetConsent of another relying party", err, storage.ErrNotFound)
	_, err = s.GetConsent(ctx, "p9", "rp-1")
	assertErr(t, "GetConsent of another person", err, storage.ErrNotFound)
}

func testConsentReplace(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	first := fullConsent("p1", "rp-1")
	neighbour := fullConsent("p1", "rp-2")
	must(t, "PutConsent", s.PutConsent(ctx, first))
	must(t, "PutConsent", s.PutConsent(ctx, neighbour))
	// Every field is replaced, including to empty and zero values.
	second := storage.Consent{PersonID: "p1", RPID: "rp-1", Claims: []string{"result"},
		Plaintext: nil, GuardianID: "", GuardianAt: time.Time{}, GrantedAt: at(10), UpdatedAt: at(11)}
	must(t, "PutConsent again", s.PutConsent(ctx, second))
	got, err := s.GetConsent(ctx, "p1", "rp-1")
	must(t, "GetConsent", err)
	assertEqual(t, "consent after replacement", got, second)
	list, err := s.ListConsents(ctx, "p1")
	must(t, "ListConsents", err)
	assertList(t, "ListConsents after replacement", list, []storage.Consent{second, neighbour})
}

func testConsentListDelete(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	got, err := s.ListConsents(ctx, "p1")
	must(t, "ListConsents", err)
	assertNil(t, "ListConsents with none", got)

	// Bytewise order of RPID.
	rps := []string{"rp-b", "rp-B", "rp-a"}
	for _, rp := range rps {
		must(t, "PutConsent", s.PutConsent(ctx, fullConsent("p1", rp)))
	}
	must(t, "PutConsent", s.PutConsent(ctx, fullConsent("p2", "rp-a")))
	got, err = s.ListConsents(ctx, "p1")
	must(t, "ListConsents", err)
	assertList(t, "ListConsents(p1)", got, []storage.Consent{
		fullConsent("p1", "rp-B"), fullConsent("p1", "rp-a"), fullConsent("p1", "rp-b"),
	})

	must(t, "DeleteConsent", s.DeleteConsent(ctx, "p1", "rp-a"))
	_, err = s.GetConsent(ctx, "p1", "rp-a")
	assertErr(t, "GetConsent after delete", err, storage.ErrNotFound)
	assertErr(t, "DeleteConsent again", s.DeleteConsent(ctx, "p1", "rp-a"), storage.ErrNotFound)
	assertErr(t, "DeleteConsent never put", s.DeleteConsent(ctx, "p3", "rp-a"), storage.ErrNotFound)
	got, err = s.ListConsents(ctx, "p1")
	must(t, "ListConsents", err)
	assertList(t, "ListConsents(p1) after delete", got, []storage.Consent{fullConsent("p1", "rp-B"), fullConsent("p1", "rp-b")})
	// The other person's consent for the same relying party is untouched.
	other, err := s.GetConsent(ctx, "p2", "rp-a")
	must(t, "GetConsent(p2)", err)
	assertEqual(t, "other person's consent", other, fullConsent("p2", "rp-a"))
}

// ---- Records ----

func fullRecord(id, personID string) storage.Record {
	return storage.Record{
		ID:         id,
		Time:       at(0),
		PersonID:   personID,
		RPID:       "rp-1",
		RPName:     "示例平台",
		Channel:    "session",
		Level:      "face",
		Provided:   []string{"result", "age_over_18"},
		Outcome:    "approved",
		GuardianID: "guardian-1",
		PrevHash:   []byte("caller's prev"),
		Hash:       []byte("caller's hash"),
	}
}

// testChain is a chain function for the tests: PrevHash is the previous
// record's ID (nil for the first), Hash the record's own ID and Seq.
func testChain(prev *storage.Record, r storage.Record) (storage.Record, error) {
	r.PrevHash = nil
	if prev != nil {
		r.PrevHash = bytes.Clone(prev.Hash)
	}
	r.Hash = fmt.Appendf(nil, "%s#%d", r.ID, r.Seq)
	return r, nil
}

// link is what AppendRecord's chain receives of r as the predecessor:
// its Seq, Time and Hash.
func link(r storage.Record) storage.Record {
	return storage.Record{Seq: r.Seq, Time: r.Time, Hash: r.Hash}
}

func testAppendRecord(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	type call struct {
		prev *storage.Record
		r    storage.Record
	}
	var calls []call
	chain := func(prev *storage.Record, r storage.Record) (storage.Record, error) {
		calls = append(calls, call{prev, r})
		r, _ = testChain(prev, r)
		r.Seq = 1000 // ignored: the log sets Seq
		return r, nil
	}

	in1 := fullRecord("r1", "p1")
	in1.Seq = 77                                   // ignored too
	in1.Time = in1.Time.Add(789 * time.Nanosecond) // chain sees it truncated
	in1.Provided = []string{}                      // chain sees it nil
	r1, err := s.AppendRecord(ctx, in1, chain)
	must(t, "AppendRecord r1", err)
	if len(calls) != 1 {
		t.Fatalf("chain called %d times, want 1", len(calls))
	}
	if calls[0].prev != nil {
		t.Errorf("first record: chain got prev %+v, want nil", *calls[0].prev)
	}
	wantArg := in1
	wantArg.Seq, wantArg.Time, wantArg.Provided = 1, at(0), nil
	assertEqual(t, "chain's r for the first record", calls[0].r, wantArg)
	if calls[0].r.Provided != nil {
		t.Errorf("chain's r for the first record: Provided = %#v, want nil", calls[0].r.Provided)
	}
	want1 := wantArg
	want1.PrevHash, want1.Hash = nil, []byte("r1#1")
	assertEqual(t, "AppendRecord r1 result", r1, want1)

	in2 := fullRecord("r2", "p2")
	in2.Time = at(1)
	r2, err := s.AppendRecord(ctx, in2, chain)
	must(t, "AppendRecord r2", err)
	if len(calls) != 2 || calls[1].prev == nil {
		t.Fatalf("second record: chain calls %d, prev %v; want 2 calls with a prev", len(calls), calls[len(calls)-1].prev)
	}
	assertEqual(t, "chain's prev for the second record", *calls[1].prev, link(want1))
	want2 := in2
	want2.Seq, want2.PrevHash, want2.Hash = 2, []byte("r1#1"), []byte("r2#2")
	assertEqual(t, "AppendRecord r2 result", r2, want2)

	// A nil chain stores r as given, Seq aside.
	in3 := fullRecord("r3", "p1")
	r3, err := s.AppendRecord(ctx, in3, nil)
	must(t, "AppendRecord r3 (nil chain)", err)
	want3 := in3
	want3.Seq = 3
	assertEqual(t, "AppendRecord r3 result", r3, want3)

	got, err := s.ListRecords(ctx, 0, 10)
	must(t, "ListRecords", err)
	assertList(t, "ListRecords", got, []storage.Record{want1, want2, want3})
}

func testRecordRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	tests := []struct {
		name    string
		in, out storage.Record
	}{
		{"full", fullRecord("r-full", "p1"), func() storage.Record { r := fullRecord("r-full", "p1"); r.Seq = 1; return r }()},
		{"zero", storage.Record{}, storage.Record{Seq: 2}},
		{"empty slices",
			storage.Record{ID: "r-empty", Provided: []string{}, PrevHash: []byte{}, Hash: []byte{}, Time: at(9)},
			storage.Record{Seq: 3, ID: "r-empty", Time: at(9)}},
	}
	for _, tc := range tests {
		got, err := s.AppendRecord(ctx, tc.in, nil)
		must(t, "AppendRecord "+tc.name, err)
		assertEqual(t, "AppendRecord "+tc.name, got, tc.out)
		list, err := s.ListRecords(ctx, tc.out.Seq-1, 1)
		must(t, "ListRecords", err)
		assertList(t, "ListRecords "+tc.name, list, []storage.Record{tc.out})
	}
	// Record IDs are not a key.
	_, err := s.AppendRecord(ctx, fullRecord("r-full", "p2"), nil)
	must(t, "AppendRecord with a repeated ID", err)
}

func testAppendRecordChainError(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	r1, err := s.AppendRecord(ctx, fullRecord("r1", "p1"), testChain)
	must(t, "AppendRecord r1", err)
	_, err = s.AppendRecord(ctx, fullRecord("r-failed", "p1"), func(prev *storage.Record, r storage.Record) (storage.Record, error) {
		r.Outcome = "written anyway?"
		return r, errFn
	})
	if err != errFn { //nolint:errorlint // the contract: returned unchanged
		t.Fatalf("AppendRecord error = %v, want errFn unchanged", err)
	}
	// Nothing was written, and the next record takes Seq 2, chained to r1.
	var prevSeen *storage.Record
	r2, err := s.AppendRecord(ctx, fullRecord("r2", "p1"), func(prev *storage.Record, r storage.Record) (storage.Record, error) {
		prevSeen = prev
		return testChain(prev, r)
	})
	must(t, "AppendRecord r2", err)
	if r2.Seq != 2 {
		t.Errorf("Seq after a failed append = %d, want 2", r2.Seq)
	}
	if prevSeen == nil {
		t.Fatal("chain after a failed append got no prev")
	}
	assertEqual(t, "prev after a failed append", *prevSeen, link(r1))
	got, err := s.ListRecords(ctx, 0, 10)
	must(t, "ListRecords", err)
	assertList(t, "ListRecords after a failed append", got, []storage.Record{r1, r2})
}

// appendRecords appends records for the persons named, in order, chained
// by testChain, and returns them as stored.
func appendRecords(t *testing.T, s storage.Storage, persons ...string) []storage.Record {
	t.Helper()
	var out []storage.Record
	for i, p := range persons {
		r := fullRecord(fmt.Sprintf("r%d", i+1), p)
		r.Time = at(i)
		got, err := s.AppendRecord(t.Context(), r, testChain)
		must(t, "AppendRecord", err)
		if got.Seq != int64(i+1) {
			t.Fatalf("AppendRecord #%d: Seq %d, want %d", i+1, got.Seq, i+1)
		}
		out = append(out, got)
	}
	return out
}

func testListRecords(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	got, err := s.ListRecords(ctx, 0, 10)
	must(t, "ListRecords", err)
	assertNil(t, "ListRecords of an empty log", got)

	recs := appendRecords(t, s, "p1", "p2", "p1", "p1", "p2", "p1", "p1")
	tests := []struct {
		after int64
		limit int
		want  []storage.Record
	}{
		{0, 3, recs[0:3]},
		{3, 3, recs[3:6]},
		{6, 3, recs[6:7]},
		{7, 3, nil},
		{100, 3, nil},
		{-5, 2, recs[0:2]},
		{2, 100, recs[2:7]},
		{0, 0, nil},
		{0, -1, nil},
	}
	for _, tc := range tests {
		got, err := s.ListRecords(ctx, tc.after, tc.limit)
		must(t, "ListRecords", err)
		what := fmt.Sprintf("ListRecords(%d, %d)", tc.after, tc.limit)
		assertList(t, what, got, tc.want)
		if tc.want == nil {
			assertNil(t, what, got)
		}
	}
	// Paging through the log reaches every record once.
	var all []storage.Record
	for after := int64(0); ; {
		page, err := s.ListRecords(ctx, after, 2)
		must(t, "ListRecords page", err)
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	assertList(t, "ListRecords paged", all, recs)
}

func testListPersonRecords(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	got, err := s.ListPersonRecords(ctx, "p1", 0, 10)
	must(t, "ListPersonRecords", err)
	assertNil(t, "ListPersonRecords of an empty log", got)

	// Seqs: p1 1,3,4,6,7; p2 2,5.
	recs := appendRecords(t, s, "p1", "p2", "p1", "p1", "p2", "p1", "p1")
	r := func(seqs ...int) []storage.Record {
		var out []storage.Record
		for _, q := range seqs {
			out = append(out, recs[q-1])
		}
		return out
	}
	tests := []struct {
		person string
		before int64
		limit  int
		want   []storage.Record
	}{
		{"p1", 0, 2, r(7, 6)},
		{"p1", 6, 2, r(4, 3)},
		{"p1", 3, 2, r(1)},
		{"p1", 1, 2, nil},
		{"p1", 0, 100, r(7, 6, 4, 3, 1)},
		{"p1", 100, 1, r(7)},
		{"p2", 0, 10, r(5, 2)},
		{"p2", 5, 10, r(2)},
		{"p3", 0, 10, nil},
		{"p1", 0, 0, nil},
		{"p1", 0, -3, nil},
	}
	for _, tc := range tests {
		got, err := s.ListPersonRecords(ctx, tc.person, tc.before, tc.limit)
		must(t, "ListPersonRecords", err)
		what := fmt.Sprintf("ListPersonRecords(%s, %d, %d)", tc.person, tc.before, tc.limit)
		assertList(t, what, got, tc.want)
		if tc.want == nil {
			assertNil(t, what, got)
		}
	}
	// Paging with before = the last returned Seq reaches every record once.
	var all []storage.Record
	for before := int64(0); ; {
		page, err := s.ListPersonRecords(ctx, "p1", before, 2)
		must(t, "ListPersonRecords page", err)
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		before = page[len(page)-1].Seq
	}
	assertList(t, "ListPersonRecords paged", all, r(7, 6, 4, 3, 1))
}

// ---- Heads ----

func testHeads(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	got, err := s.ListHeads(ctx)
	must(t, "ListHeads", err)
	assertNil(t, "ListHeads with none", got)

	h := func(seq int64) storage.Head {
		return storage.Head{Seq: seq, Hash: fmt.Appendf(nil, "hash-%d", seq), Time: at(int(seq)), Signature: fmt.Sprintf("eyJ.sig-%d", seq)}
	}
	zero := storage.Head{}
	for _, head := range []storage.Head{h(20), h(5), zero, h(10)} {
		must(t, "PutHead", s.PutHead(ctx, head))
	}
	dup := h(10)
	dup.Signature = "other"
	assertErr(t, "PutHead of a stored Seq", s.PutHead(ctx, dup), storage.ErrAlreadyExists)
	got, err = s.ListHeads(ctx)
	must(t, "ListHeads", err)
	assertList(t, "ListHeads", got, []storage.Head{zero, h(5), h(10), h(20)})
}

// ---- Merkle tree heads and nodes ----

func testTreeHeads(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	_, err := s.LatestTreeHead(ctx)
	assertErr(t, "LatestTreeHead with none", err, storage.ErrNotFound)
	_, err = s.GetTreeHead(ctx, 1)
	assertErr(t, "GetTreeHead with none", err, storage.ErrNotFound)
	got, err := s.ListTreeHeads(ctx, 0, 10)
	must(t, "ListTreeHeads", err)
	assertNil(t, "ListTreeHeads with none", got)

	h := func(size int64) storage.TreeHead {
		return storage.TreeHead{
			Size: size, Root: fmt.Appendf(nil, "root-%d", size), Frontier: bytes.Repeat([]byte{byte(size)}, 64),
			Time: at(int(size)), Signature: fmt.Sprintf("eyJ.tree-%d", size),
		}
	}
	for _, head := range []storage.TreeHead{h(3), h(1), h(2), h(10)} {
		must(t, "PutTreeHead", s.PutTreeHead(ctx, head))
	}
	dup := h(2)
	dup.Signature = "other"
	assertErr(t, "PutTreeHead of a stored size", s.PutTreeHead(ctx, dup), storage.ErrAlreadyExists)
	latest, err := s.LatestTreeHead(ctx)
	must(t, "LatestTreeHead", err)
	assertEqual(t, "LatestTreeHead", latest, h(10))
	two, err := s.GetTreeHead(ctx, 2)
	must(t, "GetTreeHead", err)
	assertEqual(t, "GetTreeHead(2)", two, h(2))
	_, err = s.GetTreeHead(ctx, 4)
	assertErr(t, "GetTreeHead of a size not stored", err, storage.ErrNotFound)
	got, err = s.ListTreeHeads(ctx, 1, 2)
	must(t, "ListTreeHeads", err)
	assertList(t, "ListTreeHeads after 1, 2", got, []storage.TreeHead{h(2), h(3)})
	got, err = s.ListTreeHeads(ctx, 3, 10)
	must(t, "ListTreeHeads", err)
	assertList(t, "ListTreeHeads after 3", got, []storage.TreeHead{h(10)})
	got, err = s.ListTreeHeads(ctx, 0, 0)
	must(t, "ListTreeHeads limit 0", err)
	assertNil(t, "ListTreeHeads limit 0", got)
}

func testTreeNodes(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	n := func(level int, index int64, tag string) storage.TreeNode {
		return storage.TreeNode{Level: level, Index: index, Hash: fmt.Appendf(nil, "%s-%d-%d", tag, level, index)}
	}
	id := func(level int, index int64) storage.TreeNode { return storage.TreeNode{Level: level, Index: index} }
	got, err := s.GetTreeNodes(ctx, nil)
	must(t, "GetTreeNodes of none", err)
	assertNil(t, "GetTreeNodes of none", got)
	must(t, "PutTreeNodes of none", s.PutTreeNodes(ctx, nil))
	must(t, "PutTreeNodes", s.PutTreeNodes(ctx, []storage.TreeNode{n(0, 0, "a"), n(0, 1, "a"), n(1, 0, "a"), n(0, 2, "a")}))
	got, err = s.GetTreeNodes(ctx, []storage.TreeNode{id(0, 2), id(1, 0), id(0, 0)})
	must(t, "GetTreeNodes", err)
	assertList(t, "GetTreeNodes in the order asked", got, []storage.TreeNode{n(0, 2, "a"), n(1, 0, "a"), n(0, 0, "a")})
	// Level and index are one key: (0, 1) and (1, 0) are different nodes.
	must(t, "PutTreeNodes replacing", s.PutTreeNodes(ctx, []storage.TreeNode{n(0, 1, "b"), n(2, 0, "b")}))
	got, err = s.GetTreeNodes(ctx, []storage.TreeNode{id(0, 1), id(1, 0), id(2, 0)})
	must(t, "GetTreeNodes after replace", err)
	assertList(t, "GetTreeNodes after replace", got, []storage.TreeNode{n(0, 1, "b"), n(1, 0, "a"), n(2, 0, "b")})
	_, err = s.GetTreeNodes(ctx, []storage.TreeNode{id(0, 0), id(0, 7)})
	assertErr(t, "GetTreeNodes with one missing", err, storage.ErrNotFound)
}

// errClaimed is the error the concurrency tests' update functions return
// once another caller won.
var errClaimed = errors.New("conformance: already claimed")

// testConsentUpdate: UpdateConsent shows fn the stored consent (or none),
// stores what fn returns only when fn says to write, keeps the key, and
// changes nothing when fn fails.
func testConsentUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	boom := errors.New("refused")
	// Absent, no write: nothing stored.
	got, err := s.UpdateConsent(ctx, "p1", "rp-1", func(c storage.Consent, found bool) (storage.Consent, bool, error) {
		if found || c.PersonID != "" {
			t.Errorf("fn on an absent consent: found %v, %+v", found, c)
		}
		return fullConsent("p1", "rp-1"), false, nil
	})
	must(t, "UpdateConsent without write", err)
	assertEqual(t, "UpdateConsent without write returns", got, storage.Consent{})
	_, err = s.GetConsent(ctx, "p1", "rp-1")
	assertErr(t, "GetConsent after an update that did not write", err, storage.ErrNotFound)

	// Absent, write: inserted, under the key asked for.
	want := fullConsent("other", "rp-other")
	want.PersonID, want.RPID = "p1", "rp-1"
	got, err = s.UpdateConsent(ctx, "p1", "rp-1", func(storage.Consent, bool) (storage.Consent, bool, error) {
		c := fullConsent("other", "rp-other")
		return c, true, nil
	})
	must(t, "UpdateConsent insert", err)
	assertEqual(t, "UpdateConsent insert returns", got, want)
	stored, err := s.GetConsent(ctx, "p1", "rp-1")
	must(t, "GetConsent after insert", err)
	assertEqual(t, "GetConsent after insert", stored, want)

	// Present: fn sees it; its change is stored.
	got, err = s.UpdateConsent(ctx, "p1", "rp-1", func(c storage.Consent, found bool) (storage.Consent, bool, error) {
		if !found {
			t.Error("fn on a stored consent: found false")
		}
		assertEqual(t, "fn sees", c, want)
		c.Claims = append(c.Claims, "age_over_60")
		c.GuardianID, c.GuardianAt, c.UpdatedAt = "", time.Time{}, at(9)
		return c, true, nil
	})
	must(t, "UpdateConsent update", err)
	want.Claims = append(want.Claims, "age_over_60")
	want.GuardianID, want.GuardianAt, want.UpdatedAt = "", time.Time{}, at(9)
	assertEqual(t, "UpdateConsent update returns", got, want)
	stored, err = s.GetConsent(ctx, "p1", "rp-1")
	must(t, "GetConsent after update", err)
	assertEqual(t, "GetConsent after update", stored, want)

	// Present, no write, and fn failing: unchanged.
	got, err = s.UpdateConsent(ctx, "p1", "rp-1", func(c storage.Consent, _ bool) (storage.Consent, bool, error) {
		c.Claims = nil
		return c, false, nil
	})
	must(t, "UpdateConsent without write", err)
	assertEqual(t, "UpdateConsent without write returns the stored consent", got, want)
	_, err = s.UpdateConsent(ctx, "p1", "rp-1", func(c storage.Consent, _ bool) (storage.Consent, bool, error) {
		return storage.Consent{}, true, boom
	})
	assertErr(t, "UpdateConsent with a failing fn", err, boom)
	stored, err = s.GetConsent(ctx, "p1", "rp-1")
	must(t, "GetConsent after failed update", err)
	assertEqual(t, "GetConsent after failed update", stored, want)
}
