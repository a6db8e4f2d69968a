package platform_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/rpapply"
	"github.com/netid-project/netid/internal/server"
	sdk "github.com/netid-project/netid/rp"
)

// applicantWeb is the applicants' web servers and DNS as the platform's
// checker reaches them: every https connection goes to one test server,
// which serves the files put into it; TXT records come from a map.
type applicantWeb struct {
	mu    sync.Mutex
	files map[string]string // host + path → content
	txt   map[string][]string
	srv   *httptest.Server
}

func newApplicantWeb(t *testing.T) *applicantWeb {
	w := &applicantWeb{files: map[string]string{}, txt: map[string][]string{}}
	w.srv = httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		body, ok := w.files[r.Host+r.URL.Path]
		w.mu.Unlock()
		if !ok {
			http.NotFound(rw, r)
			return
		}
		rw.Write([]byte(body))
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *applicantWeb) put(host, path, body string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.files[host+path] = body
}

func (w *applicantWeb) putTXT(name string, values ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.txt[name] = values
}

// checker is the platform's checker on this web: the test server's client
// dialling the test server for every host (its certificate names no
// applicant's domain, so verification is off here alone), and the map as
// resolver.
func (w *applicantWeb) checker() *rpapply.Checker {
	hc := w.srv.Client()
	tr := hc.Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	addr := w.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	hc.Transport = tr
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &rpapply.Checker{HTTP: hc, LookupTXT: func(_ context.Context, name string) ([]string, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		v, ok := w.txt[name]
		if !ok {
			return nil, errors.New("no such host")
		}
		return v, nil
	}}
}

// rpApplyEnv is a platform with the admin API on and the applicants' web.
func rpApplyEnv(t *testing.T, db string) (*env, *applicantWeb) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(file, []byte(adminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	web := newApplicantWeb(t)
	e := newEnvOpt(t, db, func(c *config.Config) { c.AdminTokenFile = file }, platform.Options{RPChecker: web.checker()})
	return e, web
}

func shopApplication() map[string]any {
	return map[string]any{
		"client_id": "shop", "name": "示例商城", "domains": []string{"shop.example", "cdn.shop.example"},
		"redirect_uris": []string{"https://shop.example/cb"}, "claims": []string{"age_over_18"},
		"alt_url": "https://shop.example/signup", "alt_text": "到门店柜台办理会员",
	}
}

// An organisation applies, proves its two domains (a file and a DNS
// record), an operator approves, and the applicant fetches its client ID
// and secret once; the secret works on the session API, and the relying
// party reads its own daily counts (API and SDK).
func TestRPApplicationEndToEnd(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e, web := rpApplyEnv(t, db)
		admin := func(method, path string, body any) response {
			return e.call(method, "/v1/admin/rp-applications"+path, adminToken, body)
		}

		// Refused at the door: every rule broken listed; no domain to prove.
		r := must(t, e.call("POST", "/v1/rp/applications", "", map[string]any{"client_id": "X", "claims": []string{"name"}}), http.StatusUnprocessableEntity)
		if r.problemType(t) != rpapply.SlugInvalid || !strings.Contains(string(r.body), "client_id") && !strings.Contains(string(r.body), "id:") ||
			!strings.Contains(string(r.body), "domains: at least one domain") {
			t.Errorf("an invalid application: %s", r.body)
		}
		e.register("taken", "", "")
		bad := shopApplication()
		bad["client_id"] = "taken"
		if r := must(t, e.call("POST", "/v1/rp/applications", "", bad), http.StatusConflict); r.problemType(t) != rpapply.SlugTaken {
			t.Errorf("a taken client ID: %s", r.body)
		}

		var v rpapply.View
		must(t, e.call("POST", "/v1/rp/applications", "", shopApplication()), http.StatusCreated).json(t, &v)
		if v.Token == "" || v.State != "pending" || len(v.Proofs) != 2 || v.Proofs[0].Value == "" ||
			v.Proofs[0].FileURL != "https://shop.example/.well-known/netid-challenge/"+v.Proofs[0].Value ||
			v.Proofs[1].DNSName != "_netid-challenge.cdn.shop.example" {
			t.Fatalf("created: %+v", v)
		}
		id, token, challenge := v.ID, v.Token, v.Proofs[0].Value
		path := "/v1/rp/applications/" + id

		// Another token, or none, finds nothing.
		for _, tok := range []string{"", "wrong-token"} {
			if r := must(t, e.call("GET", path, tok, nil), http.StatusNotFound); r.problemType(t) != rpapply.SlugNotFound {
				t.Errorf("token %q: %s", tok, r.body)
			}
		}
		var got rpapply.View
		must(t, e.call("GET", path, token, nil), http.StatusOK).json(t, &got)
		if got.Token != "" || got.ClientID != "shop" || got.Alternative == nil || got.Alternative.Text != "到门店柜台办理会员" {
			t.Errorf("shown: %+v", got)
		}

		// Unproved: the operator cannot approve; a check finds nothing.
		if r := must(t, admin("POST", "/"+id+"/approve", map[string]any{}), http.StatusConflict); r.problemType(t) != rpapply.SlugUnproved {
			t.Errorf("approve unproved: %s", r.body)
		}
		must(t, e.call("POST", path+"/check", token, nil), http.StatusOK).json(t, &got)
		if len(got.Findings) != 2 || got.Findings[0].Proved || got.Findings[1].Proved || got.Findings[0].Problem == "" {
			t.Errorf("nothing published: %+v", got.Findings)
		}

		// A wrong value proves nothing; the file and the TXT record do.
		web.put("shop.example", rpapply.WellKnownPath+challenge, "not the challenge")
		must(t, e.call("POST", path+"/check", token, nil), http.StatusOK).json(t, &got)
		if got.Findings[0].Proved {
			t.Error("a file with another value proved the domain")
		}
		web.put("shop.example", rpapply.WellKnownPath+challenge, challenge+"\n")
		web.putTXT("_netid-challenge.cdn.shop.example", "v=other", challenge)
		must(t, e.call("POST", path+"/check", token, nil), http.StatusOK).json(t, &got)
		if !got.Findings[0].Proved || got.Findings[0].Method != rpapply.MethodFile || !got.Findings[1].Proved ||
			got.Findings[1].Method != rpapply.MethodDNS || !got.Proofs[0].Proved || !got.Proofs[1].Proved {
			t.Fatalf("published: %+v", got)
		}

		// No credentials before the decision.
		if r := must(t, e.call("POST", path+"/credentials", token, nil), http.StatusConflict); r.problemType(t) != rpapply.SlugState {
			t.Errorf("credentials before approval: %s", r.body)
		}

		// The operator's queue; approval registers the relying party.
		var list struct{ Applications []rpapply.View }
		must(t, admin("GET", "?state=pending", nil), http.StatusOK).json(t, &list)
		if len(list.Applications) != 1 || list.Applications[0].ID != id {
			t.Errorf("pending: %+v", list)
		}
		must(t, e.call("GET", "/v1/admin/rp-applications", "", nil), http.StatusUnauthorized)
		must(t, admin("GET", "?state=bogus", nil), http.StatusBadRequest)
		must(t, admin("POST", "/"+id+"/approve", map[string]any{"reason": "材料齐全"}), http.StatusOK).json(t, &got)
		if got.State != "approved" || got.Reason != "材料齐全" || got.DecidedAt == nil {
			t.Errorf("approved: %+v", got)
		}
		if r := must(t, admin("POST", "/"+id+"/refuse", map[string]any{"reason": "late"}), http.StatusConflict); r.problemType(t) != rpapply.SlugState {
			t.Errorf("refusing a decided application: %s", r.body)
		}
		reg, err := e.p.Registry.Get(e.ctx, "shop")
		if err != nil || reg.Name != "示例商城" || reg.AltText != "到门店柜台办理会员" || len(reg.Domains) != 2 || reg.Disabled {
			t.Fatalf("registered: %+v, %v", reg, err)
		}

		// The credentials, once.
		var cred rpapply.Credentials
		must(t, e.call("POST", path+"/credentials", token, nil), http.StatusOK).json(t, &cred)
		if cred.ClientID != "shop" || len(cred.ClientSecret) < 43 {
			t.Fatalf("credentials: %+v", cred)
		}
		must(t, e.call("POST", path+"/credentials", token, nil), http.StatusConflict)
		if strings.Contains(e.logs.String(), cred.ClientSecret) || strings.Contains(e.logs.String(), token) {
			t.Error("a secret or token in the logs")
		}
		shop := rp{id: "shop", secret: cred.ClientSecret}

		// The relying party verifies people, and sees its own counts.
		h := e.apply(adult(t))
		if p, _ := e.verifyOnce(shop, h, map[string]any{"claims": []string{"age_over_18"}, "purpose": "登录"}, map[string]any{"decision": "approve"}); p.State != "approved" {
			t.Fatalf("verification: %+v", p)
		}
		c := e.newSession(shop, map[string]any{"purpose": "登录"})
		must(t, e.open(h, c.Code), http.StatusOK)
		must(t, e.answer(h, c.Code, map[string]any{"decision": "decline"}), http.StatusOK)
		other := e.register("other", "", "")
		e.verifyOnce(other, h, map[string]any{"purpose": "登录"}, map[string]any{"decision": "approve"})

		var stats server.RPStats
		must(t, e.rpCall(shop, "GET", "/v1/rp/stats", nil), http.StatusOK).json(t, &stats)
		today := e.clock.Now().In(time.FixedZone("UTC+8", 8*3600)).Format(time.DateOnly)
		if len(stats.Days) != 7 || stats.To != today || stats.ClientID != "shop" {
			t.Fatalf("stats: %+v", stats)
		}
		last := stats.Days[6]
		want := []server.RPStatsCount{{Level: "possession", Outcome: "approved", Count: 1}, {Level: "possession", Outcome: "declined", Count: 1}}
		if last.Date != today || len(last.Counts) != 2 || last.Counts[0] != want[0] || last.Counts[1] != want[1] {
			t.Errorf("today's counts: %+v, want %+v", last, want)
		}
		for _, d := range stats.Days[:6] {
			if len(d.Counts) != 0 {
				t.Errorf("%s: %+v, want none", d.Date, d.Counts)
			}
		}
		for _, q := range []string{"?from=2025-01-01&to=2025-12-31", "?from=yesterday", "?from=2025-02-02&to=2025-02-01", "?from=2025-01-01&from=2025-01-02"} {
			if r := must(t, e.rpCall(shop, "GET", "/v1/rp/stats"+q, nil), http.StatusBadRequest); r.problemType(t) != server.SlugStatsQuery {
				t.Errorf("%s: %s", q, r.body)
			}
		}
		must(t, e.rpCall(rp{id: "shop", secret: "wrong"}, "GET", "/v1/rp/stats", nil), http.StatusUnauthorized)
		must(t, e.rpCall(shop, "POST", "/v1/rp/stats", nil), http.StatusMethodNotAllowed)

		// The SDK reads the same.
		client, err := sdk.NewClient(e.url, "shop", sdk.ClientSecret(cred.ClientSecret))
		if err != nil {
			t.Fatal(err)
		}
		day, _ := time.Parse(time.DateOnly, today)
		s, err := client.Stats(e.ctx, day, day)
		if err != nil || len(s.Days) != 1 || len(s.Days[0].Counts) != 2 || s.Days[0].Counts[0].Level != sdk.LevelPossession ||
			s.Days[0].Counts[1].Outcome != "declined" {
			t.Fatalf("SDK stats: %+v, %v", s, err)
		}
	})
}

// An operator refuses with a reason (required), which the applicant reads;
// a refused application gets no credentials.
func TestRPApplicationRefused(t *testing.T) {
	e, _ := rpApplyEnv(t, "")
	var v rpapply.View
	must(t, e.call("POST", "/v1/rp/applications", "", shopApplication()), http.StatusCreated).json(t, &v)
	path := "/v1/admin/rp-applications/" + v.ID
	for _, reason := range []string{"", " padded", "line\nbreak"} {
		if r := must(t, e.call("POST", path+"/refuse", adminToken, map[string]any{"reason": reason}), http.StatusUnprocessableEntity); r.problemType(t) != rpapply.SlugReason {
			t.Errorf("reason %q: %s", reason, r.body)
		}
	}
	must(t, e.call("POST", path+"/refuse", adminToken, map[string]any{"reason": "未提供营业执照"}), http.StatusOK)
	var got rpapply.View
	must(t, e.call("GET", "/v1/rp/applications/"+v.ID, v.Token, nil), http.StatusOK).json(t, &got)
	if got.State != "refused" || got.Reason != "未提供营业执照" {
		t.Errorf("the applicant reads %+v", got)
	}
	must(t, e.call("POST", "/v1/rp/applications/"+v.ID+"/credentials", v.Token, nil), http.StatusConflict)
	must(t, e.call("POST", "/v1/rp/applications/"+v.ID+"/check", v.Token, nil), http.StatusConflict)
	if _, err := e.p.Registry.Get(e.ctx, "shop"); err == nil {
		t.Error("a refused application registered its relying party")
	}
	must(t, e.call("GET", "/v1/rp/applications", "", nil), http.StatusMethodNotAllowed)
	must(t, e.call("GET", path+"/approve", adminToken, nil), http.StatusMethodNotAllowed)
}

// Operators approving one application at once: exactly one approval is
// taken, one relying party registered; applicants fetching
// the credentials at once: exactly one receives a secret.
func TestRPApplicationDecisionRace(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e, web := rpApplyEnv(t, db)
		app := shopApplication()
		app["domains"] = []string{"shop.example"}
		var v rpapply.View
		must(t, e.call("POST", "/v1/rp/applications", "", app), http.StatusCreated).json(t, &v)
		web.put("shop.example", rpapply.WellKnownPath+v.Proofs[0].Value, v.Proofs[0].Value)
		must(t, e.call("POST", "/v1/rp/applications/"+v.ID+"/check", v.Token, nil), http.StatusOK)

		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				statuses[i] = e.call("POST", "/v1/admin/rp-applications/"+v.ID+"/approve", adminToken, map[string]any{"reason": "ok"}).status
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for i, s := range statuses {
			switch s {
			case http.StatusOK:
				ok++
			case http.StatusConflict:
			default:
				t.Errorf("decision #%d: %d", i, s)
			}
		}
		if ok != 1 {
			t.Fatalf("%d decisions taken, want exactly 1 (%v)", ok, statuses)
		}
		var got rpapply.View
		must(t, e.call("GET", "/v1/rp/applications/"+v.ID, v.Token, nil), http.StatusOK).json(t, &got)
		if _, err := e.p.Registry.Get(e.ctx, "shop"); err != nil || got.State != "approved" {
			t.Fatalf("state %s, relying party registered: %v", got.State, err)
		}
		secrets := make([]string, n)
		start = make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				r := e.call("POST", "/v1/rp/applications/"+v.ID+"/credentials", v.Token, nil)
				if r.status == http.StatusOK {
					var c rpapply.Credentials
					r.json(t, &c)
					secrets[i] = c.ClientSecret
				}
			})
		}
		close(start)
		wg.Wait()
		given := 0
		var secret string
		for _, s := range secrets {
			if s != "" {
				given++
				secret = s
			}
		}
		if given != 1 {
			t.Fatalf("%d applicants received a secret, want exactly 1", given)
		}
		must(t, e.rpCall(rp{id: "shop", secret: secret}, "POST", "/v1/verifications", map[string]any{"purpose": "登录"}), http.StatusCreated)
	})
}
