package platform_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/netnum"
)

// casesEnv is a platform on db with the admin API turned on.
func casesEnv(t *testing.T, db string) *env {
	t.Helper()
	file := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(file, []byte(adminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return newEnvWith(t, db, func(c *config.Config) { c.AdminTokenFile = file })
}

// openCase is a holder opening a case.
func (e *env) openCase(h *holderKey, req map[string]any) response {
	e.t.Helper()
	return e.holderCall(h, "POST", "/v1/holder/cases", req)
}

// adminCases is an operator's call to the case queue.
func (e *env) adminCases(method, path string, body any) response {
	e.t.Helper()
	return e.call(method, "/v1/admin/cases"+path, adminToken, body)
}

var caseNumber = regexp.MustCompile(`^SS-20\d\d-\d{6}$`)

// TestCasesEndToEnd: a holder disputes a check in their history and
// complains about a relying party; each case gets a number and a deadline,
// operators see them in the queue (overdue once the deadline passed),
// answer and close them, disabling the relying party; every step is a
// record in the holder's history, the disputed check is marked there, the
// statements are sealed at rest and in no log.
func TestCasesEndToEnd(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := casesEnv(t, db)
		h := e.apply(adult(t))
		shop := e.register("shop", "", "")
		e.verifyOnce(shop, h, map[string]any{"purpose": "登录"}, map[string]any{"decision": "approve"})
		var check api.Record
		for _, r := range e.history(h).Records {
			if r.Channel == api.ChannelSession {
				check = r
			}
		}
		if check.Seq == 0 || check.RPID != "shop" {
			t.Fatalf("no record of the check: %+v", check)
		}

		const statement = "那天我在外地，手机在身边，没有登录过平台 shop。秘密-7f3a"
		opened := e.clock.Now()
		var c1 api.Case
		must(t, e.openCase(h, map[string]any{"kind": "record", "ground": "not_me", "record_seq": check.Seq, "statement": statement}),
			http.StatusCreated).json(t, &c1)
		if !caseNumber.MatchString(c1.Number) || c1.State != api.CaseOpen || c1.RPID != "shop" || c1.RelyingParty != "平台 shop" ||
			c1.Statement != statement || !c1.DueAt.Equal(opened.Add(15*24*time.Hour)) || c1.Overdue {
			t.Fatalf("opened case: %+v", c1)
		}

		// Outside input is refused with a clear problem.
		for _, tc := range []struct {
			name string
			req  map[string]any
			typ  string
		}{
			{"too long", map[string]any{"kind": "relying_party", "ground": "other", "rp_id": "shop", "statement": strings.Repeat("长", 1001)}, "case-invalid"},
			{"empty", map[string]any{"kind": "relying_party", "ground": "other", "rp_id": "shop", "statement": "  \n"}, "case-invalid"},
			{"control character", map[string]any{"kind": "relying_party", "ground": "other", "rp_id": "shop", "statement": "a\x00b"}, "case-invalid"},
			{"ground does not fit", map[string]any{"kind": "record", "ground": "plaintext_again", "record_seq": check.Seq, "statement": "x"}, "case-invalid"},
			{"unknown kind", map[string]any{"kind": "weather", "ground": "other", "statement": "x"}, "case-invalid"},
			{"no such record", map[string]any{"kind": "record", "ground": "not_me", "record_seq": 9999, "statement": "x"}, "case-record-not-found"},
			{"record disputed already", map[string]any{"kind": "record", "ground": "other", "record_seq": check.Seq, "statement": "x"}, "case-already-open"},
			{"no such relying party", map[string]any{"kind": "relying_party", "ground": "other", "rp_id": "nobody", "statement": "x"}, "case-relying-party-not-found"},
			{"not suspended", map[string]any{"kind": "suspension", "ground": "wrongly_suspended", "statement": "x"}, "case-not-suspended"},
		} {
			r := e.openCase(h, tc.req)
			if typ := r.problemType(t); typ != tc.typ {
				t.Errorf("%s: %s, want %s", tc.name, typ, tc.typ)
			}
		}

		var c2 api.Case
		must(t, e.openCase(h, map[string]any{"kind": "relying_party", "ground": "plaintext_again", "rp_id": "shop",
			"statement": "网号核验通过后，shop 仍要求我上传身份证正反面。秘密-7f3a"}), http.StatusCreated).json(t, &c2)
		if c2.Number == c1.Number || !caseNumber.MatchString(c2.Number) {
			t.Fatalf("second case number %s after %s", c2.Number, c1.Number)
		}

		// The disputed check is marked in the holder's history.
		hist := e.history(h)
		for _, r := range hist.Records {
			if r.Seq == check.Seq && (r.DisputedBy != c1.Number || r.DisputeState != api.CaseOpen) {
				t.Fatalf("the disputed record: %+v", r)
			}
		}

		// The operators' queue.
		var q api.CaseList
		must(t, e.adminCases("GET", "?state=open", nil), http.StatusOK).json(t, &q)
		if len(q.Cases) != 2 || q.Cases[0].Number != c1.Number || q.Cases[0].Wanghao != netnum.Format(h.wanghao) || q.Cases[0].Statement != statement {
			t.Fatalf("queue: %+v", q)
		}
		must(t, e.adminCases("GET", "?overdue=true", nil), http.StatusOK).json(t, &q)
		if len(q.Cases) != 0 {
			t.Fatalf("overdue before the deadline: %+v", q)
		}
		if typ := e.call("GET", "/v1/admin/cases", "", nil).problemType(t); typ != "admin-unauthorized" {
			t.Fatalf("queue without the token: %s", typ)
		}
		if typ := e.adminCases("GET", "?state=lost", nil).problemType(t); typ != "invalid-case-query" {
			t.Fatalf("bad state: %s", typ)
		}
		e.clock.Advance(16 * 24 * time.Hour)
		must(t, e.adminCases("GET", "?overdue=true", nil), http.StatusOK).json(t, &q)
		if len(q.Cases) != 2 || !q.Cases[0].Overdue {
			t.Fatalf("overdue after the deadline: %+v", q)
		}

		const answer = "经核查，该次核验由你的设备发起；我们已提示接入方复核。"
		var got api.Case
		must(t, e.adminCases("POST", "/"+c1.Number+"/answer", map[string]any{"answer": answer}), http.StatusOK).json(t, &got)
		if got.State != api.CaseAnswered || got.Answer != answer || got.AnsweredAt == nil || !got.Overdue {
			t.Fatalf("answered: %+v", got)
		}
		if typ := e.adminCases("POST", "/"+c1.Number+"/answer", map[string]any{"answer": "again"}).problemType(t); typ != "case-state" {
			t.Fatalf("answering twice: %s", typ)
		}
		if typ := e.adminCases("POST", "/"+c2.Number+"/close", map[string]any{"resolution": "upheld", "action": "disable_rp"}).problemType(t); typ != "case-invalid" {
			t.Fatalf("closing without any answer: %s", typ)
		}
		must(t, e.adminCases("POST", "/"+c1.Number+"/close", map[string]any{"resolution": "not_upheld"}), http.StatusOK).json(t, &got)
		if got.State != api.CaseClosed || got.Resolution != api.ResolutionNotUpheld || got.Answer != answer {
			t.Fatalf("closed: %+v", got)
		}
		if typ := e.adminCases("POST", "/"+c1.Number+"/close", map[string]any{"resolution": "upheld"}).problemType(t); typ != "case-state" {
			t.Fatalf("closing twice: %s", typ)
		}
		must(t, e.adminCases("POST", "/"+c2.Number+"/close", map[string]any{"resolution": "upheld", "action": "disable_rp",
			"answer": "投诉成立：平台已停用该接入方。"}), http.StatusOK).json(t, &got)
		if got.Action != api.ActionDisableRelyingParty || got.Resolution != api.ResolutionUpheld {
			t.Fatalf("closed with an action: %+v", got)
		}
		if r := e.rpCall(shop, "POST", "/v1/verifications", map[string]any{"purpose": "登录"}); r.problemType(t) != "client-disabled" {
			t.Fatalf("the disabled relying party still starts verifications: %d %s", r.status, r.body)
		}
		if typ := e.adminCases("GET", "/SS-1999-000001", nil).problemType(t); typ != "case-not-found" {
			t.Fatalf("unknown case: %s", typ)
		}

		// The holder sees every step in their cases and their history.
		var mine api.CaseList
		must(t, e.holderCall(h, "GET", "/v1/holder/cases", nil), http.StatusOK).json(t, &mine)
		if len(mine.Cases) != 2 || mine.Cases[0].Answer != answer || mine.Cases[1].State != api.CaseClosed || mine.Cases[0].Wanghao != "" {
			t.Fatalf("the holder's cases: %+v", mine)
		}
		steps := map[string][]api.RecordOutcome{}
		for _, r := range e.history(h).Records {
			if r.Channel == api.ChannelCase {
				steps[r.Case] = append([]api.RecordOutcome{r.Outcome}, steps[r.Case]...)
			}
			if r.Seq == check.Seq && r.DisputeState != api.CaseClosed {
				t.Fatalf("the disputed record after closing: %+v", r)
			}
		}
		if want := fmt.Sprint([]api.RecordOutcome{api.OutcomeCaseOpened, api.OutcomeCaseAnswered, api.OutcomeCaseClosed}); fmt.Sprint(steps[c1.Number]) != want {
			t.Errorf("steps of %s: %v, want %s", c1.Number, steps[c1.Number], want)
		}
		if want := fmt.Sprint([]api.RecordOutcome{api.OutcomeCaseOpened, api.OutcomeCaseClosed, api.OutcomeCaseRPDisabled}); fmt.Sprint(steps[c2.Number]) != want {
			t.Errorf("steps of %s: %v, want %s", c2.Number, steps[c2.Number], want)
		}

		// Another holder sees none of it.
		other := e.apply(adult(t))
		if typ := e.holderCall(other, "GET", "/v1/holder/cases/"+c1.Number, nil).problemType(t); typ != "case-not-found" {
			t.Fatalf("another holder's case: %s", typ)
		}

		// Sealed at rest, and in no log.
		stored, err := e.p.Store.GetCase(e.ctx, c1.Number)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(stored.Statement, []byte("秘密")) || bytes.Contains(stored.Answer, []byte("经核查")) {
			t.Fatal("the case's text is stored in the clear")
		}
		if logs := e.logs.String(); strings.Contains(logs, "秘密") || strings.Contains(logs, "经核查") || !strings.Contains(logs, c1.Number) {
			t.Fatal("the logs hold a case's text, or not its number")
		}
	})
}

// TestCasesSuspension: a holder whose credential an operator suspended
// disputes the suspension with that credential; the operator upholds it
// and lifts the suspension in the same step, each with its record.
func TestCasesSuspension(t *testing.T) {
	e := casesEnv(t, "")
	h := e.apply(adult(t))
	must(t, e.admin("POST", h.wanghao+"/suspend", map[string]any{"reason": "核查中"}), http.StatusOK)
	var c api.Case
	must(t, e.openCase(h, map[string]any{"kind": "suspension", "ground": "wrongly_suspended", "statement": "我没有做过任何违规的事。"}),
		http.StatusCreated).json(t, &c)
	if c.Kind != api.CaseAboutSuspension || c.State != api.CaseOpen {
		t.Fatalf("case: %+v", c)
	}
	if typ := e.openCase(h, map[string]any{"kind": "suspension", "ground": "other", "statement": "again"}).problemType(t); typ != "case-already-open" {
		t.Fatalf("a second case about the same suspension: %s", typ)
	}
	if typ := e.adminCases("POST", "/"+c.Number+"/close", map[string]any{"resolution": "upheld", "action": "disable_rp", "answer": "x"}).problemType(t); typ != "case-invalid" {
		t.Fatalf("disabling a relying party a suspension case is not about: %s", typ)
	}
	if typ := e.adminCases("POST", "/"+c.Number+"/close", map[string]any{"resolution": "not_upheld", "action": "lift_suspension", "answer": "x"}).problemType(t); typ != "case-invalid" {
		t.Fatalf("an action on a case not upheld: %s", typ)
	}
	var closed api.Case
	must(t, e.adminCases("POST", "/"+c.Number+"/close", map[string]any{"resolution": "upheld", "action": "lift_suspension",
		"answer": "申诉成立，已解除暂停。"}), http.StatusOK).json(t, &closed)
	if closed.Action != api.ActionLiftSuspension || closed.State != api.CaseClosed {
		t.Fatalf("closed: %+v", closed)
	}
	if a := e.account(h); a.Status != api.CredentialActive {
		t.Fatalf("after the upheld case the credential is %s", a.Status)
	}
	var outcomes []api.RecordOutcome
	for _, r := range e.history(h).Records {
		outcomes = append([]api.RecordOutcome{r.Outcome}, outcomes...)
	}
	if want := fmt.Sprint([]api.RecordOutcome{api.OutcomeSuspendedByOperator, api.OutcomeCaseOpened,
		api.OutcomeResumedByOperator, api.OutcomeCaseClosed}); len(outcomes) < 4 || fmt.Sprint(outcomes[len(outcomes)-4:]) != want {
		t.Fatalf("history: %v, want %s", outcomes, want)
	}
}

// TestCasesRace: operators answering or closing the same case at once get
// exactly one success, the others case-state; cases opened at once get
// distinct numbers; a holder's cases per day are limited; the same record
// disputed several times at once gives one case.
func TestCasesRace(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := casesEnv(t, db)
		holders := []*holderKey{e.apply(adult(t)), e.apply(adult(t))}
		rps := []string{"rp-a", "rp-b", "rp-c"}
		for _, id := range rps {
			e.register(id, "", "")
		}
		type opening struct {
			h      *holderKey
			rp     string
			ground string
		}
		var opens []opening
		for _, id := range rps {
			for _, g := range []string{"plaintext_again", "no_other_way"} {
				opens = append(opens, opening{holders[0], id, g})
			}
		}
		opens = append(opens, opening{holders[1], "rp-a", "other"}, opening{holders[1], "rp-b", "other"})
		results := make([]response, len(opens))
		run := func(n int, f func(i int)) {
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() { <-start; f(i) })
			}
			close(start)
			wg.Wait()
		}
		run(len(opens), func(i int) {
			o := opens[i]
			results[i] = e.openCase(o.h, map[string]any{"kind": "relying_party", "ground": o.ground, "rp_id": o.rp, "statement": "x"})
		})
		numbers := map[string]bool{}
		limited := 0
		for i, r := range results {
			switch r.status {
			case http.StatusCreated:
				var c api.Case
				r.json(t, &c)
				if numbers[c.Number] {
					t.Errorf("number %s given twice", c.Number)
				}
				numbers[c.Number] = true
			case http.StatusTooManyRequests:
				if typ := r.problemType(t); typ != "too-many-cases" || opens[i].h != holders[0] {
					t.Errorf("opening %d: %s", i, typ)
				}
				limited++
			default:
				t.Errorf("opening %d: %d %s", i, r.status, r.body)
			}
		}
		// Holder 0 opened six at once: five pass the daily limit.
		if len(numbers) != 7 || limited != 1 {
			t.Fatalf("%d cases opened, %d refused; want 7 and 1", len(numbers), limited)
		}

		// The same record disputed six times at once: one case.
		shop := e.register("shop", "", "")
		e.verifyOnce(shop, holders[1], map[string]any{"purpose": "登录"}, map[string]any{"decision": "approve"})
		var seq int64
		for _, r := range e.history(holders[1]).Records {
			if r.Channel == api.ChannelSession {
				seq = r.Seq
			}
		}
		disputes := make([]int, 6)
		run(len(disputes), func(i int) {
			disputes[i] = e.openCase(holders[1], map[string]any{"kind": "record", "ground": "not_me", "record_seq": seq, "statement": "x"}).status
		})
		if count(disputes, http.StatusCreated) != 1 || count(disputes, http.StatusConflict) != len(disputes)-1 {
			t.Fatalf("racing disputes of one record: %v", disputes)
		}

		var number string
		for n := range numbers {
			number = n
		}
		const racers = 6
		statuses := make([]int, racers)
		run(racers, func(i int) {
			statuses[i] = e.adminCases("POST", "/"+number+"/answer", map[string]any{"answer": fmt.Sprintf("答复 %d", i)}).status
		})
		if ok := count(statuses, http.StatusOK); ok != 1 || count(statuses, http.StatusConflict) != racers-1 {
			t.Fatalf("racing answers: %v", statuses)
		}
		run(racers, func(i int) {
			statuses[i] = e.adminCases("POST", "/"+number+"/close", map[string]any{"resolution": "upheld"}).status
		})
		if ok := count(statuses, http.StatusOK); ok != 1 || count(statuses, http.StatusConflict) != racers-1 {
			t.Fatalf("racing closes: %v", statuses)
		}
		answered, closed := 0, 0
		for _, h := range holders {
			for _, r := range e.history(h).Records {
				if r.Case == number && r.Outcome == api.OutcomeCaseAnswered {
					answered++
				}
				if r.Case == number && r.Outcome == api.OutcomeCaseClosed {
					closed++
				}
			}
		}
		if answered != 1 || closed != 1 {
			t.Fatalf("records of the raced case: %d answered, %d closed; want one each", answered, closed)
		}
	})
}

func count(xs []int, v int) int {
	n := 0
	for _, x := range xs {
		if x == v {
			n++
		}
	}
	return n
}
