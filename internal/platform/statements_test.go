package platform_test

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// stepBudget is the most a step of a level-1 verification may ask of the
// database: statements, and commits (transactions and autocommitted
// changes). Lowering a figure is welcome; raising one needs a reason.
type stepBudget struct {
	statements, commits int64
}

// sessionBudget is one complete possession-level verification through
// the HTTP API, a relying party authenticating with its client secret:
// create, the wallet's open and approve, and one poll of the result. The
// holder's proof reads its credential and person in one statement, and an
// approval within an existing consent does not rewrite it. The approval's
// record chains to its predecessor and extends the Merkle tree without
// reading either apart: on PostgreSQL the statement that takes the log's
// tail returns the last record's hash and the tree's frontier, and one
// statement stores the record, the tree's nodes and its signed head; on
// SQLite one statement reads the last record and the newest tree head,
// and three store them. The wallet's proofs are recorded by the
// statements that claim and end the session: on PostgreSQL the open is
// one statement after the holder's read, without a transaction.
var sessionBudget = map[string]map[string]stepBudget{
	"sqlite": {
		"create":  {statements: 2, commits: 1},
		"open":    {statements: 3, commits: 1},
		"approve": {statements: 9, commits: 1},
		"poll":    {statements: 2, commits: 0},
	},
	"postgres": {
		"create":  {statements: 2, commits: 1},
		"open":    {statements: 2, commits: 1},
		"approve": {statements: 6, commits: 1},
		"poll":    {statements: 2, commits: 0},
	},
}

// budgetSteps returns step, which runs one named step of a flow against
// e's store and fails t if the step's statements or commits exceed its
// budget for db's backend, and total, the sum of the steps run so far.
func budgetSteps(t *testing.T, e *env, db string, budgets map[string]map[string]stepBudget) (step func(name string, run func()), total func() sqlstore.Stats) {
	t.Helper()
	st, ok := e.p.Store.(interface{ Stats() sqlstore.Stats })
	if !ok {
		t.Fatalf("the store %T does not count its statements", e.p.Store)
	}
	backend := "sqlite"
	if db != "" {
		backend = "postgres"
	}
	var sum sqlstore.Stats
	step = func(name string, run func()) {
		t.Helper()
		before := st.Stats()
		run()
		got := st.Stats().Sub(before)
		sum.Statements += got.Statements
		sum.Transactions += got.Transactions
		sum.Autocommits += got.Autocommits
		t.Logf("%-12s %2d statements, %d transactions, %d autocommits", name, got.Statements, got.Transactions, got.Autocommits)
		b, ok := budgets[backend][name]
		if !ok {
			t.Fatalf("no budget for step %s on %s", name, backend)
		}
		if got.Statements > b.statements || got.Commits() > b.commits {
			t.Errorf("%s: %d statements and %d commits, over its budget of %d and %d",
				name, got.Statements, got.Commits(), b.statements, b.commits)
		}
	}
	return step, func() sqlstore.Stats { return sum }
}

// TestSessionStatementBudget counts the SQL statements and commits each
// step of a complete level-1 verification runs, and fails if a step
// exceeds its budget: a change that adds round trips to the hot path shows
// here rather than only in a load test.
func TestSessionStatementBudget(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		// No key reload during the count; maintenance runs once a minute.
		e := newEnvOpt(t, db, nil, platform.Options{KeyReload: time.Hour})
		h := e.apply(adult(t))
		shop := e.register("shop", "", "", "age_over_18")
		// A first session warms what is read once per process.
		warm := e.newSession(shop, map[string]any{"claims": []string{"age_over_18"}, "purpose": "预热"})
		must(t, e.open(h, warm.Code), http.StatusOK)
		must(t, e.answer(h, warm.Code, map[string]any{"decision": "approve"}), http.StatusOK)
		e.poll(shop, warm.ID)

		step, total := budgetSteps(t, e, db, sessionBudget)
		var c created
		step("create", func() {
			c = e.newSession(shop, map[string]any{"claims": []string{"age_over_18"}, "purpose": "购买需年满18岁的商品", "nonce": "n-1"})
		})
		step("open", func() { must(t, e.open(h, c.Code), http.StatusOK) })
		step("approve", func() { must(t, e.answer(h, c.Code, map[string]any{"decision": "approve"}), http.StatusOK) })
		var p polled
		step("poll", func() { p = e.poll(shop, c.ID) })
		if p.State != "approved" || p.Result == "" {
			t.Fatalf("the session did not end approved: %+v", p)
		}
		t.Logf("session  %2d statements, %d transactions, %d autocommits", total().Statements, total().Transactions, total().Autocommits)
	})
}

// TestSessionStepProofsUsedOnce: the open and approve steps record the
// holder's proof in their own transaction. A proof serves once: replayed
// after its step succeeded, after its step was refused, or after a
// malformed body, it is refused and changes nothing.
func TestSessionStepProofsUsedOnce(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		h := e.apply(adult(t))
		shop := e.register("shop", "", "", "age_over_18")
		c := e.newSession(shop, map[string]any{"claims": []string{"age_over_18"}, "purpose": "购买需年满18岁的商品"})
		signed := func(path string) string {
			t.Helper()
			proof, err := holder.Sign(h.key, h.credentialID, "POST", e.url+path, e.clock.Now(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			return proof
		}
		send := func(path, proof string, body any) response {
			t.Helper()
			b, _ := json.Marshal(body)
			return e.raw("POST", path, b, map[string]string{holder.Header: proof})
		}
		const openPath, answerPath = "/v1/wallet/verifications/open", "/v1/wallet/verifications/answer"

		// A proof whose request was refused (an unknown code, a malformed
		// body, an answer before the open) cannot serve again.
		for name, body := range map[string]any{"unknown code": map[string]any{"code": "no-such-code"}, "malformed": "[1]"} {
			p := signed(openPath)
			if r := send(openPath, p, body); r.status < 400 {
				t.Fatalf("%s: %d", name, r.status)
			}
			if typ := send(openPath, p, map[string]any{"code": c.Code}).problemType(t); typ != "holder-proof-replayed" {
				t.Fatalf("%s, replayed on the real code: %s", name, typ)
			}
		}
		early := signed(answerPath)
		if r := send(answerPath, early, map[string]any{"code": c.Code, "decision": "approve"}); r.status < 400 {
			t.Fatalf("an answer before the open: %d", r.status)
		}

		// Open: the proof is recorded with the claim.
		op := signed(openPath)
		must(t, send(openPath, op, map[string]any{"code": c.Code}), http.StatusOK)
		if typ := send(openPath, op, map[string]any{"code": c.Code}).problemType(t); typ != "holder-proof-replayed" {
			t.Fatalf("replayed open: %s", typ)
		}
		// The refused early answer's proof cannot approve now.
		if typ := send(answerPath, early, map[string]any{"code": c.Code, "decision": "approve"}).problemType(t); typ != "holder-proof-replayed" {
			t.Fatalf("the early answer's proof replayed after the open: %s", typ)
		}
		if st := e.poll(shop, c.ID); st.State != "claimed" {
			t.Fatalf("after refused answers: %s", st.State)
		}
		// Approve: the proof is recorded with the approval; a replay
		// neither approves again nor changes the session.
		ap := signed(answerPath)
		must(t, send(answerPath, ap, map[string]any{"code": c.Code, "decision": "approve"}), http.StatusOK)
		if typ := send(answerPath, ap, map[string]any{"code": c.Code, "decision": "decline"}).problemType(t); typ != "holder-proof-replayed" {
			t.Fatalf("replayed answer: %s", typ)
		}
		if st := e.poll(shop, c.ID); st.State != "approved" {
			t.Fatalf("after a replayed answer: %s", st.State)
		}
	})
}

// TestSessionStepProofRacing: one proof sent several times at once, to
// open and then to approve: exactly one request succeeds, the others are
// told the proof was replayed, and the session ends approved once.
func TestSessionStepProofRacing(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		h := e.apply(adult(t))
		shop := e.register("shop", "", "", "age_over_18")
		c := e.newSession(shop, map[string]any{"claims": []string{"age_over_18"}, "purpose": "购买需年满18岁的商品"})
		const racers = 6
		race := func(path string, body map[string]any) {
			t.Helper()
			proof, err := holder.Sign(h.key, h.credentialID, "POST", e.url+path, e.clock.Now(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(body)
			results := make([]response, racers)
			var wg sync.WaitGroup
			for i := range results {
				wg.Go(func() { results[i] = e.raw("POST", path, b, map[string]string{holder.Header: proof}) })
			}
			wg.Wait()
			ok := 0
			for _, r := range results {
				switch {
				case r.status == http.StatusOK:
					ok++
				case r.problemType(t) != "holder-proof-replayed":
					t.Errorf("%s: %d %s, want 200 or holder-proof-replayed", path, r.status, r.body)
				}
			}
			if ok != 1 {
				t.Fatalf("%s: %d requests with one proof succeeded, want 1", path, ok)
			}
		}
		race("/v1/wallet/verifications/open", map[string]any{"code": c.Code})
		race("/v1/wallet/verifications/answer", map[string]any{"code": c.Code, "decision": "approve"})
		if st := e.poll(shop, c.ID); st.State != "approved" {
			t.Fatalf("after the racing approvals: %s", st.State)
		}
	})
}

// TestConsentWrittenOnlyWhenItGrows: an approval within what the holder
// already consented to leaves the consent row as it was (no write, the
// same UpdatedAt); one that adds a claim extends it and moves UpdatedAt.
func TestConsentWrittenOnlyWhenItGrows(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		h := e.apply(adult(t))
		shop := e.register("shop", "", "", "age_over_18", "age_over_60")
		approve := func(claims ...string) {
			t.Helper()
			c := e.newSession(shop, map[string]any{"claims": claims, "purpose": "购买需年满18岁的商品"})
			must(t, e.open(h, c.Code), http.StatusOK)
			must(t, e.answer(h, c.Code, map[string]any{"decision": "approve"}), http.StatusOK)
			if p := e.poll(shop, c.ID); p.State != "approved" {
				t.Fatalf("the session ended %s", p.State)
			}
		}
		p, err := e.p.Store.GetPersonByWanghao(e.ctx, h.wanghao)
		if err != nil {
			t.Fatal(err)
		}
		consent := func() storage.Consent {
			t.Helper()
			c, err := e.p.Store.GetConsent(e.ctx, p.ID, shop.id)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		approve("age_over_18")
		first := consent()
		if !slices.Equal(first.Claims, []string{"verified", "sub", "age_over_18"}) || !first.UpdatedAt.Equal(first.GrantedAt) {
			t.Fatalf("first consent: %+v", first)
		}
		e.clock.Advance(time.Minute)
		approve("age_over_18")
		if again := consent(); !again.UpdatedAt.Equal(first.UpdatedAt) || !slices.Equal(again.Claims, first.Claims) {
			t.Errorf("an approval within the consent rewrote it: %+v, was %+v", again, first)
		}
		e.clock.Advance(time.Minute)
		approve("age_over_18", "age_over_60")
		grown := consent()
		if !slices.Equal(grown.Claims, []string{"verified", "sub", "age_over_18", "age_over_60"}) || !grown.UpdatedAt.After(first.UpdatedAt) || !grown.GrantedAt.Equal(first.GrantedAt) {
			t.Errorf("an approval adding a claim: %+v, was %+v", grown, first)
		}
	})
}

// applicationBudget is one adult's whole application through the HTTP
// API, step by step: its creation, the chip document, the face, the phone
// number and its code, the password and the credential's issuance (with
// its batch). Each step reads the application (checking its token) and
// then changes it in a transaction that reads it again to update it: the
// step's slow work (the chip's signatures, the password's hash) stays
// outside the write transaction, which on SQLite is the one writer's. The
// phone step's three autocommits are the code's resend interval, the
// number's daily count and the code itself. The chip's face image is kept
// in a row of its own (one statement of the document step), so that the
// later steps do not read and rewrite it with the application, and
// issuance takes it to the person (one statement). On PostgreSQL issuance
// takes its per-person lock in a statement of its own (SQLite's write
// transaction already holds it).
var applicationBudget = map[string]map[string]stepBudget{
	"sqlite": {
		"create":       {statements: 1, commits: 1},
		"document":     {statements: 5, commits: 1},
		"face":         {statements: 3, commits: 1},
		"phone":        {statements: 7, commits: 4},
		"phone/verify": {statements: 6, commits: 2},
		"password":     {statements: 3, commits: 1},
		"credential":   {statements: 14, commits: 2},
	},
	"postgres": {
		"create":       {statements: 1, commits: 1},
		"document":     {statements: 5, commits: 1},
		"face":         {statements: 3, commits: 1},
		"phone":        {statements: 7, commits: 4},
		"phone/verify": {statements: 6, commits: 2},
		"password":     {statements: 3, commits: 1},
		"credential":   {statements: 15, commits: 2},
	},
}

// TestApplicationStatementBudget counts the SQL statements and commits of
// each step of an application, after a first application has warmed what
// is read once per process, and fails if a step exceeds its budget.
func TestApplicationStatementBudget(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnvOpt(t, db, nil, platform.Options{KeyReload: time.Hour})
		e.apply(adult(t))
		step, total := budgetSteps(t, e, db, applicationBudget)
		p := adult(t)
		var a app
		step("create", func() { a = e.start(p.identity.Type) })
		var v view
		step("document", func() {
			must(t, e.call("PUT", "/v1/applications/"+a.ID+"/document", a.Token, map[string]any{"chip": e.chip(p)}), http.StatusOK).json(t, &v)
		})
		att := e.attest(a, v.FaceChallenge, p.face)
		step("face", func() {
			must(t, e.call("POST", "/v1/applications/"+a.ID+"/face", a.Token, map[string]any{"attestation": att}), http.StatusOK).json(t, &v)
		})
		step("phone", func() {
			must(t, e.call("POST", "/v1/applications/"+a.ID+"/phone", a.Token, map[string]any{"phone": p.phone}), http.StatusAccepted)
		})
		code := e.smsCode(p.phone)
		step("phone/verify", func() {
			must(t, e.call("POST", "/v1/applications/"+a.ID+"/phone/verify", a.Token, map[string]any{"code": code}), http.StatusOK).json(t, &v)
		})
		step("password", func() {
			must(t, e.call("PUT", "/v1/applications/"+a.ID+"/password", a.Token, map[string]any{"password": p.password}), http.StatusOK).json(t, &v)
		})
		if v.State != "device" {
			t.Fatalf("the application is in state %s, not device", v.State)
		}
		step("credential", func() { e.issue(a, v) })
		t.Logf("application %2d statements, %d transactions, %d autocommits", total().Statements, total().Transactions, total().Autocommits)
	})
}
