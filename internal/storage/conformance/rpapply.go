package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// rpApplicationTests are the tests of RPApplicationStore.
func rpApplicationTests() []subtest {
	return []subtest{
		{"RPApplication/RoundTrip", testRPApplicationRoundTrip},
		{"RPApplication/Duplicate", testRPApplicationDuplicate},
		{"RPApplication/Update", testRPApplicationUpdate},
		{"RPApplication/List", testListRPApplications},
		{"RPApplication/DecideOnce", testRPApplicationDecideOnce},
		{"RelyingParty/AlternativeRoundTrip", testRelyingPartyAlternative},
		{"Record/CountByRP", testCountRPRecords},
	}
}

func fullRPApplication(id string, minutes int) storage.RPApplication {
	return storage.RPApplication{
		ID:            id,
		State:         storage.RPApplicationPending,
		TokenHash:     []byte{0x0a, 0x00, 0x0b},
		ClientID:      "shop-" + id,
		Name:          "示例商城 " + id,
		Category:      storage.CategoryInternetService,
		LegalBasis:    "反洗钱法 第二十八条",
		Domains:       []string{id + ".example", "www." + id + ".example"},
		RedirectURIs:  []string{"https://" + id + ".example/cb"},
		Claims:        []string{"verified", "sub", "age_over_18"},
		AltURL:        "https://" + id + ".example/signup",
		AltText:       "到门店办理会员卡",
		Challenge:     "chal-" + id,
		Proved:        []string{id + ".example"},
		Reason:        "",
		CredentialsAt: at(minutes + 3),
		DecidedAt:     at(minutes + 2),
		CreatedAt:     at(minutes),
		UpdatedAt:     at(minutes + 1),
	}
}

func testRPApplicationRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	for _, a := range []storage.RPApplication{fullRPApplication("a1", 0), {ID: "zero"}} {
		must(t, "CreateRPApplication", s.CreateRPApplication(ctx, a))
		got, err := s.GetRPApplication(ctx, a.ID)
		must(t, "GetRPApplication", err)
		assertEqual(t, "application "+a.ID, got, a)
	}
	_, err := s.GetRPApplication(ctx, "missing")
	assertErr(t, "GetRPApplication(missing)", err, storage.ErrNotFound)
	_, err = s.UpdateRPApplication(ctx, "missing", func(a storage.RPApplication) (storage.RPApplication, error) { return a, nil })
	assertErr(t, "UpdateRPApplication(missing)", err, storage.ErrNotFound)
}

func testRPApplicationDuplicate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	must(t, "CreateRPApplication", s.CreateRPApplication(ctx, fullRPApplication("a1", 0)))
	err := s.CreateRPApplication(ctx, fullRPApplication("a1", 5))
	assertErr(t, "CreateRPApplication again", err, storage.ErrAlreadyExists)
}

func testRPApplicationUpdate(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	a := fullRPApplication("a1", 0)
	must(t, "CreateRPApplication", s.CreateRPApplication(ctx, a))
	want := a
	want.State, want.Reason, want.Proved = storage.RPApplicationRefused, "域名未证明", nil
	got, err := s.UpdateRPApplication(ctx, a.ID, func(cur storage.RPApplication) (storage.RPApplication, error) {
		assertEqual(t, "Update's fn argument", cur, a)
		cur.State, cur.Reason, cur.Proved = want.State, want.Reason, []string{}
		cur.ID = "other" // the key cannot change
		return cur, nil
	})
	must(t, "UpdateRPApplication", err)
	assertEqual(t, "UpdateRPApplication result", got, want)
	read, err := s.GetRPApplication(ctx, a.ID)
	must(t, "GetRPApplication", err)
	assertEqual(t, "after update", read, want)

	_, err = s.UpdateRPApplication(ctx, a.ID, func(cur storage.RPApplication) (storage.RPApplication, error) {
		cur.Reason = "lost"
		return cur, errFn
	})
	if !errors.Is(err, errFn) {
		t.Fatalf("UpdateRPApplication with a failing fn = %v, want its error", err)
	}
	read, err = s.GetRPApplication(ctx, a.ID)
	must(t, "GetRPApplication", err)
	assertEqual(t, "after a failed update", read, want)
}

func testListRPApplications(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	b := fullRPApplication("b", 1)
	a := fullRPApplication("a", 1) // same time: by ID
	c := fullRPApplication("c", 0)
	c.State = storage.RPApplicationApproved
	z := storage.RPApplication{ID: "z", State: storage.RPApplicationPending} // zero time first
	for _, x := range []storage.RPApplication{b, a, c, z} {
		must(t, "CreateRPApplication", s.CreateRPApplication(ctx, x))
	}
	got, err := s.ListRPApplications(ctx, "")
	must(t, "ListRPApplications(all)", err)
	assertList(t, "ListRPApplications(all)", got, []storage.RPApplication{z, c, a, b})
	got, err = s.ListRPApplications(ctx, storage.RPApplicationPending)
	must(t, "ListRPApplications(pending)", err)
	assertList(t, "ListRPApplications(pending)", got, []storage.RPApplication{z, a, b})
	got, err = s.ListRPApplications(ctx, storage.RPApplicationRefused)
	must(t, "ListRPApplications(refused)", err)
	assertList(t, "ListRPApplications(refused)", got, nil)
	assertNil(t, "ListRPApplications(refused)", got)
}

// testRPApplicationDecideOnce races operators deciding one application:
// exactly one decision is taken, the others see it.
func testRPApplicationDecideOnce(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	a := fullRPApplication("a1", 0)
	must(t, "CreateRPApplication", s.CreateRPApplication(ctx, a))
	errDecided := errors.New("already decided")
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		_, errs[i] = s.UpdateRPApplication(ctx, a.ID, func(cur storage.RPApplication) (storage.RPApplication, error) {
			if cur.State != storage.RPApplicationPending {
				return cur, errDecided
			}
			cur.State, cur.DecidedAt = storage.RPApplicationApproved, at(10+i)
			return cur, nil
		})
	})
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, errDecided):
		default:
			t.Errorf("decision #%d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d decisions taken, want exactly 1", ok)
	}
}

func testRelyingPartyAlternative(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	rp := storage.RelyingParty{ID: "rp-alt", AltURL: "https://rp.example/signup", AltText: "到柜台办理"}
	must(t, "CreateRelyingParty", s.CreateRelyingParty(ctx, rp))
	got, err := s.GetRelyingParty(ctx, rp.ID)
	must(t, "GetRelyingParty", err)
	assertEqual(t, "relying party with its other way in", got, rp)
	got, err = s.UpdateRelyingParty(ctx, rp.ID, func(cur storage.RelyingParty) (storage.RelyingParty, error) {
		cur.AltURL = ""
		return cur, nil
	})
	must(t, "UpdateRelyingParty", err)
	rp.AltURL = ""
	assertEqual(t, "relying party without its URL", got, rp)
}

func testCountRPRecords(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	day := time.Date(2025, 3, 14, 0, 0, 0, 0, cst) // midnight in cst
	add := func(rpID string, t0 time.Time, level, outcome string) {
		t.Helper()
		_, err := s.AppendRecord(ctx, storage.Record{ID: "r", RPID: rpID, Time: t0, Level: level, Outcome: outcome}, nil)
		must(t, "AppendRecord", err)
	}
	add("shop", day.Add(-time.Minute), "password", "approved")             // the day before, in cst
	add("shop", day, "password", "approved")                               // first instant of the day
	add("shop", day.Add(5*time.Hour), "password", "approved")              //
	add("shop", day.Add(6*time.Hour), "password", "declined")              //
	add("shop", day.Add(7*time.Hour), "face", "approved")                  //
	add("shop", day.Add(24*time.Hour+time.Hour), "possession", "approved") // next day
	add("other", day.Add(time.Hour), "password", "approved")               // another relying party
	add("shop", day.Add(72*time.Hour), "password", "approved")             // past the end

	got, err := s.CountRPRecords(ctx, "shop", day.Add(-24*time.Hour), day.Add(48*time.Hour), cst)
	must(t, "CountRPRecords", err)
	want := []storage.RecordCount{
		{Day: "2025-03-13", Level: "password", Outcome: "approved", Count: 1},
		{Day: "2025-03-14", Level: "face", Outcome: "approved", Count: 1},
		{Day: "2025-03-14", Level: "password", Outcome: "approved", Count: 2},
		{Day: "2025-03-14", Level: "password", Outcome: "declined", Count: 1},
		{Day: "2025-03-15", Level: "possession", Outcome: "approved", Count: 1},
	}
	assertList(t, "CountRPRecords", got, want)

	// [from, to): a record at to is left out, one at from counted.
	got, err = s.CountRPRecords(ctx, "shop", day, day.Add(5*time.Hour), cst)
	must(t, "CountRPRecords", err)
	assertList(t, "CountRPRecords over [day, day+5h)", got,
		[]storage.RecordCount{{Day: "2025-03-14", Level: "password", Outcome: "approved", Count: 1}})

	// In UTC the cst midnight is the evening before.
	got, err = s.CountRPRecords(ctx, "shop", day, day.Add(time.Second), time.UTC)
	must(t, "CountRPRecords in UTC", err)
	assertList(t, "CountRPRecords in UTC", got,
		[]storage.RecordCount{{Day: "2025-03-13", Level: "password", Outcome: "approved", Count: 1}})

	got, err = s.CountRPRecords(ctx, "nobody", day.Add(-24*time.Hour), day.Add(96*time.Hour), cst)
	must(t, "CountRPRecords(nobody)", err)
	assertNil(t, "CountRPRecords(nobody)", got)
}
