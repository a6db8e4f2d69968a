package platform_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/counter"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/proofing"
)

// counterEnv is a platform with the admin API on, on db.
func counterEnv(t *testing.T, db string) *env {
	t.Helper()
	file := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(file, []byte(adminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return newEnvWith(t, db, func(c *config.Config) { c.AdminTokenFile = file })
}

// terminal is a counter's terminal: its ID and private key.
type terminal struct {
	id   string
	name string
	key  *ecdsa.PrivateKey
}

// addCounter registers a counter with a fresh key through the admin API.
func (e *env) addCounter(id string) terminal {
	e.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	pub, err := jose.JSONWebKey{Key: &key.PublicKey}.MarshalJSON()
	if err != nil {
		e.t.Fatal(err)
	}
	name := "东城派出所 " + id
	var v counter.View
	must(e.t, e.call("POST", counter.AdminPath, adminToken, map[string]any{
		"id": id, "name": name, "kind": counter.KindPoliceStation,
		"legal_basis": "《居民身份证法》第三条", "public_key": json.RawMessage(pub),
	}), http.StatusCreated).json(e.t, &v)
	if v.State != "active" || v.ID != id {
		e.t.Fatalf("registered counter: %+v", v)
	}
	return terminal{id: id, name: name, key: key}
}

// submission is what the terminal signs for person p: their chip, a
// matching face check, finishing as finish.
func (e *env) submission(tm terminal, p person, finish string, adjust func(*counter.Claims)) string {
	e.t.Helper()
	hash := sha256.Sum256(p.face)
	now := e.clock.Now()
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		e.t.Fatal(err)
	}
	c := counter.Claims{
		Issuer: tm.id, Audience: e.url, IssuedAt: now.Unix(), ExpiresAt: now.Add(2 * time.Minute).Unix(),
		ID: base64.RawURLEncoding.EncodeToString(jti), DocumentType: p.identity.Type, Chip: e.chip(p),
		Face:   counter.Face{Result: counter.FaceMatch, Score: 0.97, ImageHash: base64.RawURLEncoding.EncodeToString(hash[:])},
		Finish: finish,
	}
	if adjust != nil {
		adjust(&c)
	}
	tok, err := counter.Sign(tm.key, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *env) counterApply(sub string) response {
	e.t.Helper()
	return e.call("POST", "/v1/counter/applications", "", map[string]any{"submission": sub})
}

// history is the holder's history.
func (e *env) history(h *holderKey) api.History {
	e.t.Helper()
	var hist api.History
	must(e.t, e.holderCall(h, "GET", "/v1/wallet/history", nil), http.StatusOK).json(e.t, &hist)
	return hist
}

// TestCounterApplyThenWallet: an operator registers a counter; its
// terminal reads the chip and checks the face; the person finishes in
// their own wallet (SMS code, 口令, device key), and their history shows
// the counter application with the counter's name.
func TestCounterApplyThenWallet(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := counterEnv(t, db)
		tm := e.addCounter("dongcheng-1")
		p := adult(t)

		var got api.CounterApplication
		must(t, e.counterApply(e.submission(tm, p, counter.FinishWallet, nil)), http.StatusCreated).json(t, &got)
		if got.State != api.StatePhone || got.Token == "" || got.Wanghao != "" || got.Counter != tm.id {
			t.Fatalf("counter application: %+v", got)
		}
		if want := e.url + "/wallet/apply#app=" + got.ID + "&token="; !strings.HasPrefix(got.HandoverLink, want) {
			t.Fatalf("hand-over link %q, want prefix %q", got.HandoverLink, want)
		}
		// The person's wallet goes on from the phone step.
		a := app{Application: got.Application, Token: got.Token}
		h := e.issue(a, e.through(p, a, "device"))
		if _, err := netnum.Parse(h.wanghao); err != nil {
			t.Fatalf("网号: %v", err)
		}
		var counterRecs []api.Record
		for _, r := range e.history(h).Records {
			if r.Channel == api.ChannelCounter {
				counterRecs = append(counterRecs, r)
			}
		}
		if len(counterRecs) != 1 || counterRecs[0].RPID != tm.id || counterRecs[0].RelyingParty != tm.name ||
			counterRecs[0].Outcome != api.OutcomeAppliedAtCounter {
			t.Fatalf("counter records in the history: %+v", counterRecs)
		}
		// The register lists it.
		var list struct{ Counters []counter.View }
		must(t, e.call("GET", counter.AdminPath, adminToken, nil), http.StatusOK).json(t, &list)
		if len(list.Counters) != 1 || list.Counters[0].ID != tm.id || list.Counters[0].KeyID == "" {
			t.Fatalf("counters: %+v", list.Counters)
		}
	})
}

// TestCounterWanghaoOnly: a person without a smartphone leaves the
// counter with a 网号 and no 网证; they can come back to a counter, and
// later apply with a wallet, keeping the same 网号.
func TestCounterWanghaoOnly(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := counterEnv(t, db)
		tm := e.addCounter("service-hall-1")
		p := adult(t)

		var got api.CounterApplication
		must(t, e.counterApply(e.submission(tm, p, counter.FinishWanghao, nil)), http.StatusCreated).json(t, &got)
		if got.State != api.StateCompleted || got.Token != "" || got.HandoverLink != "" {
			t.Fatalf("counter application: %+v", got)
		}
		if _, err := netnum.Parse(got.Wanghao); err != nil {
			t.Fatalf("网号 %q: %v", got.Wanghao, err)
		}
		person, err := e.p.Store.GetPersonByWanghao(e.ctx, got.Wanghao)
		if err != nil {
			t.Fatal(err)
		}
		if creds, err := e.p.Store.ListCredentials(e.ctx, person.ID); err != nil || len(creds) != 0 {
			t.Fatalf("credentials of a 网号-only person: %v %v", creds, err)
		}
		if len(person.Identity) == 0 || len(person.Phone) != 0 || person.PasswordHash != "" {
			t.Fatalf("the person should hold the sealed identity and nothing of a wallet")
		}
		// Back at a counter: the same 网号.
		var again api.CounterApplication
		must(t, e.counterApply(e.submission(tm, p, counter.FinishWanghao, nil)), http.StatusCreated).json(t, &again)
		if again.Wanghao != got.Wanghao {
			t.Fatalf("second counter visit gave 网号 %s, want %s", again.Wanghao, got.Wanghao)
		}
		// Later with a wallet of their own: the same 网号.
		h := e.apply(p)
		if h.wanghao != got.Wanghao {
			t.Fatalf("the wallet application gave 网号 %s, want %s", h.wanghao, got.Wanghao)
		}
		recs, err := e.p.Store.ListPersonRecords(e.ctx, person.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range recs {
			if r.Channel == proofing.ChannelCounter && r.Outcome == proofing.OutcomeWanghaoAtCounter && r.RPID == tm.id && r.RPName == tm.name {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d 网号-only counter records, want 2: %+v", n, recs)
		}
	})
}

// TestCounterRefusals: what a counter's terminal is refused, each with
// its problem document, and that none of it leaves an application or a
// record.
func TestCounterRefusals(t *testing.T) {
	e := counterEnv(t, "")
	tm := e.addCounter("refusals-1")
	p := adult(t)
	stranger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other := adult(t)
	minor := newPerson(t, document.Date{Year: e.clock.Now().Year() - 16, Month: 1, Day: 1})
	tests := []struct {
		name   string
		sub    func() string
		status int
		slug   string
	}{
		{"forged signature", func() string {
			return e.submission(terminal{id: tm.id, key: stranger}, p, counter.FinishWallet, nil)
		}, http.StatusUnauthorized, "counter-signature-invalid"},
		{"unknown counter", func() string {
			return e.submission(terminal{id: "nobody-here", key: tm.key}, p, counter.FinishWallet, nil)
		}, http.StatusUnauthorized, "counter-unknown"},
		{"another platform", func() string {
			return e.submission(tm, p, counter.FinishWallet, func(c *counter.Claims) { c.Audience = "https://other.example" })
		}, http.StatusBadRequest, "counter-submission-malformed"},
		{"stale", func() string {
			return e.submission(tm, p, counter.FinishWallet, func(c *counter.Claims) {
				c.IssuedAt -= 600
				c.ExpiresAt = c.IssuedAt + 60
			})
		}, http.StatusUnauthorized, "counter-submission-stale"},
		{"face not matched", func() string {
			return e.submission(tm, p, counter.FinishWallet, func(c *counter.Claims) { c.Face.Result = "no_match" })
		}, http.StatusUnprocessableEntity, "counter-face-not-passed"},
		{"face of another document", func() string {
			return e.submission(tm, p, counter.FinishWallet, func(c *counter.Claims) { c.Chip = e.chip(other) })
		}, http.StatusUnprocessableEntity, "counter-face-binding"},
		{"minor", func() string {
			return e.submission(tm, minor, counter.FinishWanghao, nil)
		}, http.StatusForbidden, "counter-minor"},
		{"not a JWS", func() string { return "not.a.jws" }, http.StatusBadRequest, "counter-submission-malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.counterApply(tc.sub())
			if r.status != tc.status || r.problemType(t) != tc.slug {
				t.Fatalf("status %d, body %s; want %d %s", r.status, r.body, tc.status, tc.slug)
			}
		})
	}
	// The log holds the counter's registration, and nothing of the
	// refused submissions.
	recs, err := e.p.Store.ListRecords(e.ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Outcome != counter.OutcomeRegistered || recs[0].RPID != tm.id || recs[0].PersonID != "" {
		t.Fatalf("records after refused submissions: %+v", recs)
	}

	t.Run("replayed", func(t *testing.T) {
		sub := e.submission(tm, p, counter.FinishWallet, nil)
		must(t, e.counterApply(sub), http.StatusCreated)
		r := e.counterApply(sub)
		if r.status != http.StatusConflict || r.problemType(t) != "counter-submission-replayed" {
			t.Fatalf("replay: %d %s", r.status, r.body)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		must(t, e.call("POST", counter.AdminPath+"/"+tm.id+"/disable", adminToken, map[string]any{"reason": "终端遗失"}), http.StatusOK)
		r := e.counterApply(e.submission(tm, p, counter.FinishWallet, nil))
		if r.status != http.StatusForbidden || r.problemType(t) != "counter-disabled" {
			t.Fatalf("disabled counter: %d %s", r.status, r.body)
		}
		var v counter.View
		must(t, e.call("GET", counter.AdminPath+"/"+tm.id, adminToken, nil), http.StatusOK).json(t, &v)
		if v.State != "disabled" || v.DisabledReason != "终端遗失" || v.DisabledAt == nil {
			t.Fatalf("disabled counter: %+v", v)
		}
		r = e.call("POST", counter.AdminPath+"/"+tm.id+"/disable", adminToken, map[string]any{"reason": "again"})
		if r.status != http.StatusConflict || r.problemType(t) != "counter-already-disabled" {
			t.Fatalf("disabling again: %d %s", r.status, r.body)
		}
		// The disabling is in the signed record log, once.
		recs, err := e.p.Store.ListRecords(e.ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range recs {
			if r.Outcome == counter.OutcomeDisabled && r.RPID == tm.id && r.Channel == proofing.ChannelCounter {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d records of the disabling, want 1: %+v", n, recs)
		}
	})
	t.Run("admin token", func(t *testing.T) {
		r := e.call("GET", counter.AdminPath, "", nil)
		if r.status != http.StatusUnauthorized || r.problemType(t) != "admin-unauthorized" {
			t.Fatalf("without the token: %d %s", r.status, r.body)
		}
		r = e.call("POST", counter.AdminPath, adminToken, map[string]any{"id": "X", "name": "", "kind": "bank", "legal_basis": "", "public_key": json.RawMessage(`{"kty":"oct","k":"AAAA"}`)})
		if r.status != http.StatusUnprocessableEntity || r.problemType(t) != "counter-invalid" {
			t.Fatalf("invalid registration: %d %s", r.status, r.body)
		}
	})
}

// TestCounterRacingReplay: the same submission sent twice at once is
// accepted once.
func TestCounterRacingReplay(t *testing.T) {
	e := counterEnv(t, "")
	tm := e.addCounter("race-1")
	sub := e.submission(tm, adult(t), counter.FinishWanghao, nil)
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.counterApply(sub).status
		}()
	}
	wg.Wait()
	created, conflict := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			conflict++
		}
	}
	if created != 1 || conflict != 1 {
		t.Fatalf("statuses %v, want one 201 and one 409", statuses)
	}
}

// TestCounterAdminOff: without an admin token the register's routes are
// absent.
func TestCounterAdminOff(t *testing.T) {
	e := newEnv(t, "")
	r := e.call("GET", counter.AdminPath, adminToken, nil)
	if r.status != http.StatusNotFound {
		t.Fatalf("admin API without a token configured: %d", r.status)
	}
}
