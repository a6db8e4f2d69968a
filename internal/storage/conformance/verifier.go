package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/storage"
)

// verifierTests are the conformance tests of VerifierStore.
func verifierTests() []subtest {
	return []subtest{
		{"VerifierDevice/RoundTrip", testVerifierDeviceRoundTrip},
		{"VerifierDevice/ByCode", testVerifierDeviceByCode},
		{"VerifierDevice/ListAndUpdate", testVerifierDeviceList},
		{"VerifierDevice/EnrolOnce", testRaceEnrolVerifierDevice},
		{"EIDFullRequest/RoundTrip", testEIDFullRequest},
		{"EIDFullRequest/DeliverOnce", testRaceDeliverEIDFull},
		{"EIDFullRequest/DeleteExpired", testDeleteExpiredEIDFull},
	}
}

func verifierDevice(id, rp string) storage.VerifierDevice {
	return storage.VerifierDevice{
		ID: id, RPID: rp, Name: "前台 " + id, State: storage.VerifierDevicePending,
		CodeHash: []byte("hash-" + id), CodeExpiresAt: at(60), CreatedAt: at(0),
	}
}

func testVerifierDeviceRoundTrip(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	d := verifierDevice("vd-1", "hotel")
	d.PublicKey = []byte(`{"kty":"EC"}`)
	d.EnrolledAt, d.RevokedAt, d.RevokedBy, d.Reason = at(1), at(2), "operator", "lost"
	must(t, "CreateVerifierDevice", s.CreateVerifierDevice(ctx, d))
	got, err := s.GetVerifierDevice(ctx, d.ID)
	must(t, "GetVerifierDevice", err)
	assertEqual(t, "GetVerifierDevice", got, d)
	if err := s.CreateVerifierDevice(ctx, d); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Errorf("CreateVerifierDevice twice: %v, want ErrAlreadyExists", err)
	}
	other := verifierDevice("vd-2", "hotel")
	other.CodeHash = d.CodeHash
	if err := s.CreateVerifierDevice(ctx, other); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Errorf("CreateVerifierDevice with a taken code hash: %v, want ErrAlreadyExists", err)
	}
	if _, err := s.GetVerifierDevice(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetVerifierDevice(missing): %v, want ErrNotFound", err)
	}
}

func testVerifierDeviceByCode(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	d := verifierDevice("vd-1", "hotel")
	must(t, "CreateVerifierDevice", s.CreateVerifierDevice(ctx, d))
	got, err := s.GetVerifierDeviceByCode(ctx, d.CodeHash)
	must(t, "GetVerifierDeviceByCode", err)
	if got.ID != d.ID {
		t.Errorf("GetVerifierDeviceByCode = %s", got.ID)
	}
	// Enrolled: the code is gone, and two enrolled devices without a
	// code do not collide.
	for _, id := range []string{"vd-1", "vd-2"} {
		if id == "vd-2" {
			must(t, "CreateVerifierDevice", s.CreateVerifierDevice(ctx, verifierDevice(id, "hotel")))
		}
		_, err := s.UpdateVerifierDevice(ctx, id, func(d storage.VerifierDevice) (storage.VerifierDevice, error) {
			d.CodeHash, d.State = nil, storage.VerifierDeviceActive
			return d, nil
		})
		must(t, "UpdateVerifierDevice", err)
	}
	if _, err := s.GetVerifierDeviceByCode(ctx, d.CodeHash); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetVerifierDeviceByCode after enrolment: %v, want ErrNotFound", err)
	}
	if _, err := s.GetVerifierDeviceByCode(ctx, nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetVerifierDeviceByCode(nil): %v, want ErrNotFound", err)
	}
}

func testVerifierDeviceList(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	a, b, c := verifierDevice("vd-a", "hotel"), verifierDevice("vd-b", "counter"), verifierDevice("vd-c", "hotel")
	a.CreatedAt, b.CreatedAt, c.CreatedAt = at(3), at(2), at(1)
	for _, d := range []storage.VerifierDevice{a, b, c} {
		must(t, "CreateVerifierDevice", s.CreateVerifierDevice(ctx, d))
	}
	ids := func(ds []storage.VerifierDevice) (out []string) {
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	all, err := s.ListVerifierDevices(ctx, "")
	must(t, "ListVerifierDevices", err)
	if got := ids(all); len(got) != 3 || got[0] != "vd-c" || got[1] != "vd-b" || got[2] != "vd-a" {
		t.Errorf("ListVerifierDevices(all) = %v", got)
	}
	hotel, err := s.ListVerifierDevices(ctx, "hotel")
	must(t, "ListVerifierDevices", err)
	if got := ids(hotel); len(got) != 2 || got[0] != "vd-c" || got[1] != "vd-a" {
		t.Errorf("ListVerifierDevices(hotel) = %v", got)
	}
	_, err = s.UpdateVerifierDevice(ctx, "vd-a", func(d storage.VerifierDevice) (storage.VerifierDevice, error) {
		return d, errFn
	})
	if !errors.Is(err, errFn) {
		t.Errorf("UpdateVerifierDevice fn error: %v", err)
	}
}

func testRaceEnrolVerifierDevice(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	d := verifierDevice("vd-1", "hotel")
	must(t, "CreateVerifierDevice", s.CreateVerifierDevice(ctx, d))
	errUsed := errors.New("used")
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		_, errs[i] = s.UpdateVerifierDevice(ctx, d.ID, func(cur storage.VerifierDevice) (storage.VerifierDevice, error) {
			if cur.State != storage.VerifierDevicePending {
				return cur, errUsed
			}
			cur.State, cur.CodeHash, cur.EnrolledAt = storage.VerifierDeviceActive, nil, at(i+1)
			return cur, nil
		})
	})
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, errUsed):
		default:
			t.Errorf("UpdateVerifierDevice #%d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d callers enrolled the device, want exactly 1", ok)
	}
}

func eidFull(id, person string) storage.EIDFullRequest {
	return storage.EIDFullRequest{ID: id, PersonID: person, CredentialID: "cred-" + person, RPID: "hotel", DeviceID: "vd-1",
		State: storage.EIDFullPending, CreatedAt: at(0), ExpiresAt: at(2)}
}

func testEIDFullRequest(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	r := eidFull("fr-1", "p1")
	r.AnsweredAt, r.DeliveredAt = at(1), at(2)
	must(t, "CreateEIDFullRequest", s.CreateEIDFullRequest(ctx, r))
	got, err := s.GetEIDFullRequest(ctx, r.ID)
	must(t, "GetEIDFullRequest", err)
	assertEqual(t, "GetEIDFullRequest", got, r)
	if err := s.CreateEIDFullRequest(ctx, r); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Errorf("CreateEIDFullRequest twice: %v", err)
	}
	second := eidFull("fr-0", "p1")
	second.CreatedAt = at(-1)
	must(t, "CreateEIDFullRequest", s.CreateEIDFullRequest(ctx, second))
	must(t, "CreateEIDFullRequest", s.CreateEIDFullRequest(ctx, eidFull("fr-2", "p2")))
	declined := eidFull("fr-3", "p1")
	declined.State = storage.EIDFullDeclined
	must(t, "CreateEIDFullRequest", s.CreateEIDFullRequest(ctx, declined))
	list, err := s.ListEIDFullRequests(ctx, "p1", storage.EIDFullPending)
	must(t, "ListEIDFullRequests", err)
	if len(list) != 2 || list[0].ID != "fr-0" || list[1].ID != "fr-1" {
		t.Errorf("ListEIDFullRequests = %+v", list)
	}
	if _, err := s.GetEIDFullRequest(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetEIDFullRequest(missing): %v", err)
	}
}

func testRaceDeliverEIDFull(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	r := eidFull("fr-1", "p1")
	r.State = storage.EIDFullApproved
	must(t, "CreateEIDFullRequest", s.CreateEIDFullRequest(ctx, r))
	errGone := errors.New("delivered")
	errs := make([]error, goroutines)
	race(goroutines, func(i int) {
		_, errs[i] = s.UpdateEIDFullRequest(ctx, r.ID, func(cur storage.EIDFullRequest) (storage.EIDFullRequest, error) {
			if cur.State != storage.EIDFullApproved {
				return cur, errGone
			}
			cur.State, cur.DeliveredAt = storage.EIDFullDelivered, at(i+1)
			return cur, nil
		})
	})
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, errGone):
		default:
			t.Errorf("UpdateEIDFullRequest #%d: %v", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d callers took the full data, want exactly 1", ok)
	}
}

// testDeleteExpiredEIDFull: DeleteExpired removes full-data requests a day
// (storage.SessionRetention) after they expired, whatever their state.
func testDeleteExpiredEIDFull(t *testing.T, s storage.Storage) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	old, recent := eidFull("fr-old", "p1"), eidFull("fr-recent", "p1")
	old.State, old.ExpiresAt = storage.EIDFullDelivered, now.Add(-storage.SessionRetention-time.Minute)
	recent.ExpiresAt = now.Add(-time.Minute)
	must(t, "CreateEIDFullRequest", s.CreateEIDFullRequest(ctx, old))
	must(t, "CreateEIDFullRequest", s.CreateEIDFullRequest(ctx, recent))
	must(t, "DeleteExpired", s.DeleteExpired(ctx, now))
	if _, err := s.GetEIDFullRequest(ctx, old.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a request expired over a day ago: %v, want ErrNotFound", err)
	}
	if _, err := s.GetEIDFullRequest(ctx, recent.ID); err != nil {
		t.Errorf("a request expired a minute ago: %v", err)
	}
}
