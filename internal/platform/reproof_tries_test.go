package platform_test

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/platform"
)

// countingHasher is the platform's password hasher with a count of every
// hash it computes (new passwords and checks alike).
type countingHasher struct {
	password.Argon2id
	n atomic.Int64
}

func (c *countingHasher) Hash(pw string) (string, error) {
	c.n.Add(1)
	return c.Argon2id.Hash(pw)
}

func (c *countingHasher) Verify(encoded, pw string) (bool, error) {
	c.n.Add(1)
	return c.Argon2id.Verify(encoded, pw)
}

// holderLockout is the stored lockout state of the holder's own password.
func (e *env) holderLockout(h *holderKey) (int, time.Time) {
	e.t.Helper()
	c, err := e.p.Store.GetCredential(e.ctx, h.credentialID)
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := e.p.Store.GetPerson(e.ctx, c.PersonID)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.PasswordFailures, p.PasswordLockedUntil
}

// holderUnhindered checks that the holder, with the device key and the
// right password, can still reveal the 网号, suspend and resume.
func (e *env) holderUnhindered(h *holderKey, pw string) {
	e.t.Helper()
	for _, call := range []string{"/v1/holder/account/reveal", "/v1/holder/suspend", "/v1/holder/resume"} {
		r := e.holderCall(h, "POST", call, map[string]any{"password": pw})
		if r.status != http.StatusOK {
			e.t.Errorf("holder's %s with the right password: %d %s", call, r.status, r.body)
		}
	}
	if n, until := e.holderLockout(h); n != 0 || !until.IsZero() {
		e.t.Errorf("the holder's own password counts %d failures, locked until %v", n, until)
	}
}

// tryPassword submits a password to an application's password step and
// returns the problem type (empty on 200) and the remaining attempts the
// answer names.
func (e *env) tryPassword(a app, pw string) (string, int) {
	e.t.Helper()
	r := e.call("PUT", "/v1/applications/"+a.ID+"/password", a.Token, map[string]any{"password": pw})
	if r.status == http.StatusOK {
		return "", 0
	}
	var pr struct {
		Type      string `json:"type"`
		Remaining int    `json:"remaining_attempts"`
	}
	r.json(e.t, &pr)
	return r.problemType(e.t), pr.Remaining
}

// TestReproofStrangerCannotLockHolder: someone who knows only a 网号
// (relying parties receive it) tries ten wrong passwords through every
// re-proofing kind that starts from a 网号; the holder's own password,
// used with the device key, is not locked by any of it.
func TestReproofStrangerCannotLockHolder(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		p := adult(t)
		h := e.apply(p)
		for _, kind := range []string{"device", "password", "phone"} {
			tries := 0
			for range 10 {
				r := e.call("POST", "/v1/applications", "", map[string]any{"kind": kind, "wanghao": h.wanghao})
				if r.status != http.StatusCreated {
					break // the kind does not start from a 网号
				}
				var a app
				r.json(t, &a)
				for range 10 {
					typ, _ := e.tryPassword(a, "58203614")
					tries++
					if typ != "wrong-password" {
						break // the application takes no (more) passwords
					}
				}
				if tries >= 10 {
					break
				}
			}
		}
		e.holderUnhindered(h, p.password)
	})
}

// TestReproofNoHashBeforeFirstFactor: without the SMS code sent to the
// linked phone (or, from a document, the chip), nothing a stranger sends to
// a re-proofing application makes the platform compute an argon2id hash.
func TestReproofNoHashBeforeFirstFactor(t *testing.T) {
	hasher := &countingHasher{Argon2id: password.Argon2id{Params: fastPasswords}}
	e := newEnvOpt(t, "", nil, platform.Options{PasswordHasher: hasher})
	p := adult(t)
	h := e.apply(p)
	hasher.n.Store(0)

	steps := func(a app) {
		for _, s := range []struct {
			method, path string
			body         map[string]any
		}{
			{"PUT", "/password", map[string]any{"password": "58203614"}},
			{"PUT", "/password", map[string]any{"password": p.password}},
			{"POST", "/phone", map[string]any{"phone": p.phone}}, // the stranger may know the number
			{"POST", "/phone/verify", map[string]any{"code": "000000"}},
			{"POST", "/phone/verify", map[string]any{"code": "111111"}},
			{"POST", "/face", map[string]any{"attestation": "x"}},
			{"POST", "/action", map[string]any{"action": "resume", "password": p.password}},
			{"POST", "/action", map[string]any{"action": "reissue", "password": "58203614"}},
			{"PUT", "/password", map[string]any{"password": "58203614"}},
		} {
			if r := e.call(s.method, "/v1/applications/"+a.ID+s.path, a.Token, s.body); r.status >= 500 {
				t.Fatalf("%s %s: %d %s", s.method, s.path, r.status, r.body)
			}
		}
	}
	for _, kind := range []string{"device", "password", "phone"} {
		r := e.call("POST", "/v1/applications", "", map[string]any{"kind": kind, "wanghao": h.wanghao})
		if r.status == http.StatusCreated {
			var a app
			r.json(t, &a)
			steps(a)
		}
	}
	for _, kind := range []string{"phone", "recover"} {
		r := e.call("POST", "/v1/applications", "", map[string]any{"kind": kind, "document_type": p.identity.Type})
		if r.status == http.StatusCreated {
			var a app
			r.json(t, &a)
			steps(a)
		}
	}
	if n := hasher.n.Load(); n != 0 {
		t.Errorf("%d argon2id hashes computed for requests that never passed the first factor", n)
	}
}

// TestReproofPasswordTriesPerApplication: a re-proofing application that
// reached its password step takes three tries; the third wrong one ends
// it, the right password cannot revive it, and the holder's own lockout
// is not touched.
func TestReproofPasswordTriesPerApplication(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	a := e.startKind("device", h.wanghao, "")
	e.through(p, a, "password")
	for i, want := range []int{2, 1} {
		if typ, left := e.tryPassword(a, "58203614"); typ != "wrong-password" || left != want {
			t.Fatalf("wrong try %d: %s, %d left; want wrong-password, %d left", i+1, typ, left, want)
		}
	}
	if typ, _ := e.tryPassword(a, "58203614"); typ != "password-tries-exhausted" {
		t.Fatalf("third wrong try: %s, want password-tries-exhausted", typ)
	}
	if typ, _ := e.tryPassword(a, p.password); typ != "application-expired" {
		t.Errorf("the right password after the application ended: %s", typ)
	}
	e.holderUnhindered(h, p.password)
	// A new application starts with its own tries.
	b := e.startKind("device", h.wanghao, "")
	e.through(p, b, "device")
}

// TestReproofPasswordTriesRacing: racing wrong tries on one application
// are each counted once: exactly as many hashes as the application allows
// tries, two told how many remain, the rest refused.
func TestReproofPasswordTriesRacing(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		hasher := &countingHasher{Argon2id: password.Argon2id{Params: fastPasswords}}
		e := newEnvOpt(t, db, nil, platform.Options{PasswordHasher: hasher})
		p := adult(t)
		h := e.apply(p)

		// Two at once: both counted.
		a := e.startKind("device", h.wanghao, "")
		e.through(p, a, "password")
		var wg sync.WaitGroup
		left := make([]int, 2)
		types := make([]string, 2)
		for i := range 2 {
			wg.Go(func() { types[i], left[i] = e.tryPassword(a, "58203614") })
		}
		wg.Wait()
		sort.Ints(left)
		if types[0] != "wrong-password" || types[1] != "wrong-password" || left[0] != 1 || left[1] != 2 {
			t.Fatalf("two racing wrong tries: %v with %v left, want wrong-password with 1 and 2 left", types, left)
		}
		if typ, _ := e.tryPassword(a, "58203614"); typ != "password-tries-exhausted" {
			t.Fatalf("the third try after two racing ones: %s", typ)
		}

		// Eight at once: three hashes, the rest refused before hashing.
		b := e.startKind("password", h.wanghao, "")
		e.through(p, b, "password") // kind password: a new password, one hash
		c := e.startKind("device", h.wanghao, "")
		e.through(p, c, "password")
		hasher.n.Store(0)
		types = make([]string, 8)
		for i := range types {
			wg.Go(func() { types[i], _ = e.tryPassword(c, "58203614") })
		}
		wg.Wait()
		count := map[string]int{}
		for _, typ := range types {
			count[typ]++
		}
		if count["wrong-password"] != 2 || count["wrong-password"]+count["password-tries-exhausted"]+count["application-expired"] != len(types) {
			t.Errorf("eight racing wrong tries: %v", count)
		}
		if n := hasher.n.Load(); n != 3 {
			t.Errorf("eight racing tries computed %d hashes, want 3", n)
		}
		e.holderUnhindered(h, p.password)
	})
}

// TestReproofPasswordTriesPerHolder: across applications, a person takes
// ten re-proofing password tries a day, whoever makes them (here from the
// document, after the chip, the face and the SMS code); the holder is not
// locked by them.
func TestReproofPasswordTriesPerHolder(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	resume := func(a app, pw string) string {
		r := e.call("POST", "/v1/applications/"+a.ID+"/action", a.Token, map[string]any{"action": "resume", "password": pw})
		if r.status == http.StatusOK {
			return ""
		}
		return r.problemType(t)
	}
	tries := 0
	for tries < 10 {
		a := e.startKind("recover", "", p.identity.Type)
		e.through(p, a, "action")
		for range 3 {
			if tries == 10 {
				break
			}
			typ := resume(a, "58203614")
			tries++
			if typ != "wrong-password" && typ != "password-tries-exhausted" {
				t.Fatalf("wrong try %d: %s", tries, typ)
			}
		}
	}
	a := e.startKind("recover", "", p.identity.Type)
	e.through(p, a, "action")
	if typ := resume(a, p.password); typ != "password-tries-holder" {
		t.Errorf("try 11 for one person in a day: %s, want password-tries-holder", typ)
	}
	e.holderUnhindered(h, p.password)
}

// TestReproofPasswordTriesPerClient: one client address takes thirty
// re-proofing password tries an hour, over every 网号 it tries.
func TestReproofPasswordTriesPerClient(t *testing.T) {
	e := newEnv(t, "")
	var holders []*holderKey
	var people []person
	for range 4 {
		p := adult(t)
		people = append(people, p)
		holders = append(holders, e.apply(p))
	}
	tries := 0
	for i, h := range holders {
		for range 3 {
			a := e.startKind("device", h.wanghao, "")
			e.through(people[i], a, "password")
			for range 3 {
				typ, _ := e.tryPassword(a, "58203614")
				tries++
				switch {
				case tries <= 30 && typ != "wrong-password" && typ != "password-tries-exhausted":
					t.Fatalf("wrong try %d: %s", tries, typ)
				case tries > 30 && typ != "password-tries-client":
					t.Fatalf("wrong try %d from one address: %s, want password-tries-client", tries, typ)
				}
			}
		}
	}
	for i, h := range holders {
		e.holderUnhindered(h, people[i].password)
	}
}

// TestReproofSMSPerHolder: starting re-proofing applications for a 网号
// again and again sends its linked phone at most three codes an hour.
func TestReproofSMSPerHolder(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	sent := 0
	for i := range 5 {
		a := e.startKind([]string{"device", "password"}[i%2], h.wanghao, "")
		r := e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": p.phone})
		switch {
		case r.status == http.StatusAccepted:
			sent++
		case r.problemType(t) != "sms-holder-limit" || r.status != http.StatusTooManyRequests:
			t.Fatalf("code %d: %d %s", i+1, r.status, r.body)
		}
	}
	if sent != 3 {
		t.Errorf("%d codes sent to one 网号's phone in an hour, want 3", sent)
	}
	// Another holder's phone is not held up.
	q := adult(t)
	a := e.startKind("password", e.apply(q).wanghao, "")
	must(t, e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": q.phone}), http.StatusAccepted)
}

// TestReproofUnknownWanghao: a re-proofing application for a 网号 that
// no one uses (never given, or cancelled) is answered like one for a 网号 in
// use up to the first factor, so the answers do not tell whether a 网号 is
// in use, nor anything of its holder (document type, minor band).
func TestReproofUnknownWanghao(t *testing.T) {
	e := newEnv(t, "")
	p := adult(t)
	h := e.apply(p)
	q := adult(t)
	cancelled := e.apply(q)
	must(t, e.holderCall(cancelled, "POST", "/v1/holder/cancel", map[string]any{"password": q.password}), http.StatusNoContent)
	never, err := netnum.New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	answers := func(wanghao string) []string {
		r := e.call("POST", "/v1/applications", "", map[string]any{"kind": "device", "wanghao": wanghao})
		out := []string{http.StatusText(r.status)}
		if r.status != http.StatusCreated {
			return out
		}
		var a app
		r.json(t, &a)
		v := e.get(a)
		out = append(out, string(v.State), string(v.DocumentType), string(v.Minor), strconv.FormatBool(v.OnBehalf))
		for i := range 7 {
			r := e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": fmt.Sprintf("+86139000001%02d", i)})
			out = append(out, r.problemType(t))
		}
		return out
	}
	want := answers(h.wanghao)
	if want[0] != http.StatusText(http.StatusCreated) || want[2] != "" {
		t.Fatalf("a device change for a 网号 in use, before the first factor: %v", want)
	}
	for name, wh := range map[string]string{"cancelled": cancelled.wanghao, "never given": never} {
		if got := answers(wh); !slices.Equal(got, want) {
			t.Errorf("a 网号 %s: %v; one in use: %v", name, got, want)
		}
	}
}

// TestReproofLimitsAcrossReplicas: two platforms on one PostgreSQL
// database (replicas, or one before and one after a restart) share the
// limits: codes sent by either count towards one 网号's.
func TestReproofLimitsAcrossReplicas(t *testing.T) {
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	db := freshSchema(t, dsn)
	var keyFile string
	one := newEnvWith(t, db, func(c *config.Config) { keyFile = c.MasterKeyFile })
	two := newEnvWith(t, db, func(c *config.Config) { c.MasterKeyFile = keyFile })
	p := adult(t)
	h := one.apply(p)
	for i, e := range []*env{one, two, one, two} {
		a := e.startKind("device", h.wanghao, "")
		r := e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": p.phone})
		want := http.StatusAccepted
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if r.status != want {
			t.Fatalf("code %d: %d %s, want %d", i+1, r.status, r.body, want)
		}
	}
}
