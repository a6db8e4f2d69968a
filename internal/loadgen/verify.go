package loadgen

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/devplatform"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/verification"
	"github.com/netid-project/netid/internal/wallet"
)

// Bounds of Verify: a run always ends by itself.
const (
	maxVerifyN        = 100000
	maxVerifyConc     = 256
	maxAttackRate     = 10000
	maxAttackDuration = 10 * time.Minute
	maxAttackWorkers  = 256
	// maxLoadFailures stops a run early: past this many failed
	// verifications the figures mean nothing.
	maxLoadFailures = 10
	// loadRequestTimeout bounds every HTTP request of the load generator.
	loadRequestTimeout = 30 * time.Second
)

// Errors of the load generator. Each is returned wrapped with detail.
var (
	// ErrOptions: the options are out of their bounds or unknown.
	ErrOptions = errors.New("invalid load options")
	// ErrNotLoopback: the server is a host other than this machine. The
	// load generator only loads the local machine.
	ErrNotLoopback = errors.New("--server must be a loopback URL (127.0.0.1, ::1 or localhost): the load generator only loads this machine")
	// ErrBadRate: the attack rate is not a rate like 200/s.
	ErrBadRate = errors.New("--attack must be a rate of 1 to 10000 requests per second, like 200/s")
	// ErrResult: the signed result does not verify or says something else
	// than the session.
	ErrResult = errors.New("the signed result does not verify")
	// ErrRPCall: a relying-party API call did not answer as the API
	// promises.
	ErrRPCall = errors.New("relying-party API call failed")
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Server is the base URL of a running development platform on this
	// machine (netid serve --dev, with an admin token); empty starts one
	// in-process on DB.
	Server string
	// AdminTokenFile holds the running server's admin API token, to
	// register the load's relying party (with Server).
	AdminTokenFile string
	// DB is the in-process platform's database: empty for SQLite in a
	// temporary directory, or a postgres:// DSN (a schema of its own).
	DB string
	// CryptoSuite is the in-process platform's crypto suite, "es256"
	// (also when empty) or "sm". The holders' keys and, with
	// private_key_jwt, the relying party's key follow the suite the
	// platform names, in-process or at Server.
	CryptoSuite string
	// N verifications, Concurrency at a time.
	N, Concurrency int
	// Level is the assurance level asked for: possession or password.
	Level string
	// Auth is the relying party's client authentication:
	// client_secret_basic or private_key_jwt.
	Auth string
	// Attack, if set, is a rate like 200/s: instead of complete
	// verifications, hit one relying-party endpoint at that rate for
	// Duration with vegeta; Target is poll (GET /v1/verifications/{id} of
	// an approved session) or create (POST /v1/verifications).
	Attack   string
	Duration time.Duration
	Target   string
	// Out receives the progress and the figures; Log the in-process
	// platform's warnings (nil: discarded).
	Out, Log io.Writer
}

// verifyPlan is what checked VerifyOptions say to do.
type verifyPlan struct {
	level api.Level
	rate  int
}

// check reports the first option out of its bounds.
func (o VerifyOptions) check() (verifyPlan, error) {
	var p verifyPlan
	if o.N < 1 || o.N > maxVerifyN || o.Concurrency < 1 || o.Concurrency > maxVerifyConc {
		return p, fmt.Errorf("%w: -n must be 1 to %d and -c 1 to %d", ErrOptions, maxVerifyN, maxVerifyConc)
	}
	level, ok := api.ParseLevel(o.Level)
	if !ok || (level != api.LevelPossession && level != api.LevelPassword) {
		return p, fmt.Errorf("%w: --level must be possession or password", ErrOptions)
	}
	p.level = level
	if o.Auth != storage.AuthClientSecret && o.Auth != storage.AuthPrivateKeyJWT {
		return p, fmt.Errorf("%w: --auth must be client_secret_basic or private_key_jwt", ErrOptions)
	}
	if err := checkSuiteOption(o.CryptoSuite, o.Server); err != nil {
		return p, err
	}
	if o.Attack != "" {
		var err error
		if p.rate, err = ParseRate(o.Attack); err != nil {
			return p, err
		}
		if o.Duration <= 0 || o.Duration > maxAttackDuration {
			return p, fmt.Errorf("%w: --duration must be more than 0 and at most %s", ErrOptions, maxAttackDuration)
		}
		if o.Target != "poll" && o.Target != "create" {
			return p, fmt.Errorf("%w: --target must be poll or create", ErrOptions)
		}
	}
	if o.Server != "" {
		if _, err := serverList(o.Server); err != nil {
			return p, err
		}
		if o.AdminTokenFile == "" {
			return p, fmt.Errorf("%w: --server needs --admin-token-file to register the load's relying party", ErrOptions)
		}
	}
	return p, nil
}

// Verify measures complete verifications through the session API: per
// verification the relying party creates a session over HTTP, a holder's
// wallet opens and approves it over HTTP (holder proofs), and the relying
// party polls once and verifies the signed result's signature with the
// platform's JWKS. Holders are set up (applied for) before the clock
// starts, as is the relying party's registration.
//
// With Attack it instead hits one relying-party endpoint at a fixed rate
// with vegeta and reports vegeta's metrics: an open-loop measurement next
// to the closed loop above, which a hand-written multi-step runner
// measures more clearly than a load generator built for single requests.
func Verify(ctx context.Context, o VerifyOptions) error {
	plan, err := o.check()
	if err != nil {
		return err
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	tmp, err := os.MkdirTemp("", "netid-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	servers, err := serverList(o.Server)
	if err != nil {
		return err
	}
	base, where := "", o.Server
	if len(servers) > 0 {
		base = servers[0] // the replicas' shared public URL
	}
	var dp *devplatform.Server
	if base == "" {
		if dp, err = devplatform.Start(ctx, devplatform.Options{DataDir: filepath.Join(tmp, "data"), DB: o.DB, CryptoSuite: o.CryptoSuite, Log: o.Log}); err != nil {
			return err
		}
		defer dp.Close()
		base, where = dp.URL, "in-process platform at "+dp.Describe()
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 2*o.Concurrency + 4, IdleConnTimeout: 30 * time.Second}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Timeout: loadRequestTimeout, Transport: transport}
	c := &wallet.Client{BaseURL: base, HTTP: hc}

	holders := max(o.Concurrency, 4)
	if o.Attack != "" {
		holders = 0
		if o.Target == "poll" {
			holders = 1
		}
	}
	fmt.Fprintf(out, "setting up %d holders (applications, not timed)…\n", holders)
	wallets, err := setUpHolders(ctx, c, tmp, holders)
	if err != nil {
		return err
	}
	rp, err := registerLoadRP(ctx, dp, c, base, o.AdminTokenFile, o.Auth)
	if err != nil {
		return err
	}
	keys, err := c.JWKS(ctx)
	if err != nil {
		return fmt.Errorf("fetching the platform's keys: %w", err)
	}
	r := &verifyRunner{base: base, rp: rp, hc: hc, wc: c, keys: keys, level: plan.level, out: out, rot: newRotation(c, hc, servers, 2*o.Concurrency+4), remote: dp == nil}
	defer r.rot.close()
	where += r.rot.describe()
	if dp != nil {
		if st, ok := dp.Platform.Store.(interface{ Stats() sqlstore.Stats }); ok {
			r.dbStats = st.Stats
		}
	}
	if len(wallets) > 0 {
		// One verification before the clock: the first call pays the
		// secret's argon2id check, which the platform then caches.
		if _, err := r.verifyOnce(ctx, wallets[0]); err != nil {
			return fmt.Errorf("warming up: %w", err)
		}
	}
	if o.Attack != "" {
		return r.attack(ctx, wallets, o.Target, plan.rate, o.Duration, o.Concurrency, where)
	}
	return r.closedLoop(ctx, wallets, o.N, o.Concurrency, where)
}

// ParseRate parses an attack rate: a whole number of requests per second
// from 1 to 10000, with or without "/s". Anything else is ErrBadRate.
func ParseRate(s string) (int, error) {
	m := rateSyntax.FindStringSubmatch(s)
	if m == nil {
		return 0, ErrBadRate
	}
	r, err := strconv.Atoi(m[1])
	if err != nil || r < 1 || r > maxAttackRate {
		return 0, ErrBadRate
	}
	return r, nil
}

var rateSyntax = regexp.MustCompile(`^([1-9][0-9]{0,4})(?:/s)?$`)

// checkLoopback accepts only an http(s) URL of this machine.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("%w: not an http(s) URL", ErrNotLoopback)
	}
	if h := u.Hostname(); h != "localhost" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
			return ErrNotLoopback
		}
	}
	return nil
}

// setUpHolders applies for n credentials, a few at a time, and returns
// the unlocked wallets.
func setUpHolders(ctx context.Context, c *wallet.Client, tmp string, n int) ([]*wallet.Unlocked, error) {
	if n == 0 {
		return nil, nil
	}
	docs, phones, err := mintDocuments(ctx, c, tmp, n)
	if err != nil {
		return nil, err
	}
	out := make([]*wallet.Unlocked, n)
	errs := make([]error, n)
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(n, 4) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				dir := filepath.Join(tmp, "wallets", strconv.Itoa(i))
				if errs[i] = applyOne(ctx, c, dir, docs[i], phones[i]); errs[i] != nil {
					continue
				}
				w, err := wallet.Open(dir)
				if err == nil {
					out[i], err = w.Unlock(holderPassword)
				}
				errs[i] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("setting up holders: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// loadRP is the relying party the load registers, as its own servers see
// it: its ID and its client secret or signing key.
type loadRP struct {
	id       string
	method   string
	secret   string
	key      *ecdsa.PrivateKey // of the platform's suite: P-256 or SM2
	kid      string
	audience string
	now      func() time.Time
}

// describe names the client authentication and, with private_key_jwt,
// the key's algorithm.
func (r *loadRP) describe() string {
	if r.key == nil {
		return r.method
	}
	alg, _ := jws.AlgorithmFor(r.key.Public())
	return fmt.Sprintf("%s with an %s key", r.method, alg)
}

// authorization returns the Authorization header of one request: the
// secret, or a fresh single-use client assertion.
func (r *loadRP) authorization() (string, error) {
	if r.method == storage.AuthClientSecret {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(r.id)+":"+url.QueryEscape(r.secret))), nil
	}
	a, err := relyingparty.ClientAssertion(r.key, r.kid, r.id, r.audience, r.now())
	if err != nil {
		return "", err
	}
	return "Bearer " + a, nil
}

// loadClaims are what the load's relying party asks for: the result only,
// with an age marker.
var loadClaims = []string{"age_over_18"}

// registerLoadRP registers a relying party with a random ID, in-process
// (dp) or through the admin API of a running server. With
// private_key_jwt its key is a key of the platform's suite, as the
// platform's discovery document names it (an sm platform takes only SM2
// client keys).
func registerLoadRP(ctx context.Context, dp *devplatform.Server, c *wallet.Client, base, adminTokenFile, method string) (*loadRP, error) {
	hc := c.HTTP
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	rp := &loadRP{id: "load-" + hex.EncodeToString(b), method: method, audience: base, now: time.Now}
	reg := relyingparty.Registration{
		ID: rp.id, Name: "负载测试 " + rp.id, Category: storage.CategoryInternetService,
		Domains: []string{rp.id + ".example"}, AllowedClaims: loadClaims, AuthMethod: method,
	}
	if method == storage.AuthPrivateKeyJWT {
		st, err := c.Suite(ctx)
		if err != nil {
			return nil, fmt.Errorf("the platform's crypto suite: %w", err)
		}
		key, err := st.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		rp.key, rp.kid = key, "load-1"
		set := jws.JWKS{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: rp.kid, Algorithm: string(st.SignatureAlgorithm()), Use: "sig"}}}
		if reg.JWKS, err = json.Marshal(set); err != nil {
			return nil, err
		}
	}
	if dp != nil {
		_, secret, err := dp.Platform.Registry.Register(ctx, reg)
		if err != nil {
			return nil, fmt.Errorf("registering the relying party: %w", err)
		}
		rp.secret = secret
		return rp, nil
	}
	token, err := os.ReadFile(adminTokenFile)
	if err != nil {
		return nil, fmt.Errorf("reading the admin token: %w", err)
	}
	body, err := json.Marshal(map[string]any{
		"id": reg.ID, "name": reg.Name, "category": reg.Category, "domains": reg.Domains,
		"allowed_claims": reg.AllowedClaims, "auth_method": reg.AuthMethod, "jwks": reg.JWKS,
	})
	if err != nil {
		return nil, err
	}
	var view relyingparty.View
	if err := call(ctx, hc, http.MethodPost, base+relyingparty.AdminPath, "Bearer "+strings.TrimSpace(string(token)), body, http.StatusCreated, &view); err != nil {
		return nil, fmt.Errorf("registering the relying party: %w", err)
	}
	rp.secret = view.ClientSecret
	return rp, nil
}

// call makes one JSON API call and decodes the answer into out. A
// failure names the status and the problem type, never the body.
func call(ctx context.Context, hc *http.Client, method, u, authorization string, body []byte, want int, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", authorization)
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRPCall, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%w: reading the answer: %w", ErrRPCall, err)
	}
	if resp.StatusCode != want {
		var p struct {
			Type string `json:"type"`
		}
		json.Unmarshal(b, &p)
		return fmt.Errorf("%w: %s %s answered %d %s", ErrRPCall, method, req.URL.Path, resp.StatusCode, p.Type)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%w: %s %s: malformed answer: %w", ErrRPCall, method, req.URL.Path, err)
		}
	}
	return nil
}

// verifyRunner runs verifications of one relying party.
type verifyRunner struct {
	base  string
	rp    *loadRP
	hc    *http.Client
	wc    *wallet.Client
	keys  jose.JSONWebKeySet
	level api.Level
	out   io.Writer
	// rot spreads the verifications over the replicas (one with one
	// server); base stays the issuer and the assertions' audience.
	rot *rotation
	// remote: the platform is another process (--server), so the CPU
	// time measured here is the client's alone.
	remote bool
	// dbStats reads the in-process platform's database statement counts;
	// nil with --server.
	dbStats func() sqlstore.Stats
}

// stepTimes are the durations of one verification's steps.
type stepTimes struct {
	total, create, open, answer, poll time.Duration
	// session is the ID of the session.
	session string
}

// createSession is the relying party's POST /v1/verifications.
func (r *verifyRunner) createSession(ctx context.Context, hc *http.Client, nonce string) (created api.VerificationCreated, err error) {
	body, err := json.Marshal(api.VerificationRequest{Level: string(r.level), Claims: loadClaims, Purpose: "负载测试：核验年满18岁", Nonce: nonce})
	if err != nil {
		return created, err
	}
	authz, err := r.rp.authorization()
	if err != nil {
		return created, err
	}
	err = call(ctx, hc, http.MethodPost, r.base+"/v1/verifications", authz, body, http.StatusCreated, &created)
	return created, err
}

// verifyOnce runs one complete verification with holder u.
func (r *verifyRunner) verifyOnce(ctx context.Context, u *wallet.Unlocked) (stepTimes, error) {
	var t stepTimes
	nonce := randomNonce()
	rep := r.rot.pick()
	t0 := time.Now()
	s, err := r.createSession(ctx, rep.hc, nonce)
	t.create = time.Since(t0)
	if err != nil {
		return t, fmt.Errorf("creating the session: %w", err)
	}
	t.session = s.ID
	t1 := time.Now()
	if _, err := rep.wc.OpenVerification(ctx, u, s.Code); err != nil {
		return t, fmt.Errorf("opening the session: %w", err)
	}
	t2 := time.Now()
	t.open = t2.Sub(t1)
	a := api.AnswerRequest{Code: s.Code, Decision: api.DecisionApprove}
	if r.level == api.LevelPassword {
		a.Password = holderPassword
	}
	ans, err := rep.wc.AnswerVerification(ctx, u, a)
	if err != nil {
		return t, fmt.Errorf("approving the session: %w", err)
	}
	if ans.State != api.SessionApproved {
		return t, fmt.Errorf("approving the session: state %q", ans.State)
	}
	t3 := time.Now()
	t.answer = t3.Sub(t2)
	authz, err := r.rp.authorization()
	if err != nil {
		return t, err
	}
	var st api.VerificationStatus
	if err := call(ctx, rep.hc, http.MethodGet, r.base+"/v1/verifications/"+url.PathEscape(s.ID), authz, nil, http.StatusOK, &st); err != nil {
		return t, fmt.Errorf("polling the session: %w", err)
	}
	t.poll = time.Since(t3)
	if st.State != api.SessionApproved {
		return t, fmt.Errorf("polling the session: state %q", st.State)
	}
	if err := checkResult(st.Result, r.keys, r.base, r.rp.id, s.ID, nonce, r.level); err != nil {
		return t, err
	}
	t.total = time.Since(t0)
	return t, nil
}

// checkResult verifies a signed result as a relying party does: the ES256
// signature by a published platform key, the type, and that issuer,
// audience, session, nonce and level are this verification's. It never
// reports the result's claim values.
func checkResult(result string, keys jose.JSONWebKeySet, issuer, rpID, sessionID, nonce string, level api.Level) error {
	var c struct {
		Iss, Aud, Jti, Nonce, Level string
		Verified                    bool
	}
	_, err := jws.VerifyClaims(result, jws.Expect{Typ: verification.ResultType, Keys: jws.ByKeyID(keys)}, &c)
	switch {
	case errors.Is(err, jws.ErrType):
		return fmt.Errorf("%w: wrong typ", ErrResult)
	case errors.Is(err, jws.ErrUnknownKey):
		return fmt.Errorf("%w: signed by an unpublished key", ErrResult)
	case errors.Is(err, jws.ErrSignature):
		return fmt.Errorf("%w: bad signature", ErrResult)
	case err != nil:
		return fmt.Errorf("%w: not an ES256 JWS with well-formed claims", ErrResult)
	}
	if c.Iss != issuer || c.Aud != rpID || c.Jti != sessionID || c.Nonce != nonce || c.Level != string(level) || !c.Verified {
		return fmt.Errorf("%w: the claims are not this verification's", ErrResult)
	}
	return nil
}

// closedLoop runs n verifications, conc at a time, and prints the
// figures. Worker w uses the holders w, w+conc, … in turn, so no holder
// is in two verifications at once.
func (r *verifyRunner) closedLoop(ctx context.Context, holders []*wallet.Unlocked, n, conc int, where string) error {
	fmt.Fprintf(r.out, "running %d verifications (level %s, %s), %d at a time, against the %s\n", n, r.level, r.rp.describe(), conc, where)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	times := make([]stepTimes, n)
	done := make([]bool, n)
	var failures atomic.Int64
	var firstErr error
	var errOnce sync.Once
	next := atomic.Int64{}
	floorBefore, floorErr := measureP256()
	var db0 sqlstore.Stats
	if r.dbStats != nil {
		db0 = r.dbStats()
	}
	cpu0, cpuOK := processCPU()
	h0 := readHeapAllocs()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			for turn := 0; ; turn++ {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				var mine []*wallet.Unlocked
				for j := w; j < len(holders); j += conc {
					mine = append(mine, holders[j])
				}
				t, err := r.verifyOnce(ctx, mine[turn%len(mine)])
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					if failures.Add(1) >= maxLoadFailures {
						cancel()
					}
					continue
				}
				times[i], done[i] = t, true
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1, _ := processCPU()
	h1 := readHeapAllocs()
	var db sqlstore.Stats
	if r.dbStats != nil {
		db = r.dbStats().Sub(db0)
	}
	floorAfter, _ := measureP256()
	var total, create, open, answer, poll []time.Duration
	for i, t := range times {
		if done[i] {
			total, create = append(total, t.total), append(create, t.create)
			open, answer, poll = append(open, t.open), append(answer, t.answer), append(poll, t.poll)
		}
	}
	if len(total) > 0 {
		for _, s := range [][]time.Duration{total, create, open, answer, poll} {
			slices.Sort(s)
		}
		rate := float64(len(total)) / elapsed.Seconds()
		fmt.Fprintf(r.out, "%d verifications in %.2fs: %.1f verifications/s (%.1f per core, %d cores shared by client and server)\n",
			len(total), elapsed.Seconds(), rate, rate/float64(runtime.NumCPU()), runtime.NumCPU())
		fmt.Fprintf(r.out, "latency per verification: p50 %s, p99 %s, max %s\n", pct(total, 0.50), pct(total, 0.99), total[len(total)-1].Round(time.Millisecond))
		fmt.Fprintf(r.out, "steps p50/p99: create %s/%s, open %s/%s, approve %s/%s, poll %s/%s\n",
			pct(create, 0.5), pct(create, 0.99), pct(open, 0.5), pct(open, 0.99), pct(answer, 0.5), pct(answer, 0.99), pct(poll, 0.5), pct(poll, 0.99))
		r.reportCPU(len(total), cpu1-cpu0, cpuOK && floorErr == nil, floorBefore, floorAfter)
		fmt.Fprintf(r.out, "heap allocations per verification: %s (%s)\n", h1.per(h0, len(total)), r.whose())
		if r.dbStats != nil {
			n := float64(len(total))
			fmt.Fprintf(r.out, "SQL per verification: %.1f statements, %.2f transactions, %.2f autocommitted changes (%.2f commits)\n",
				float64(db.Statements)/n, float64(db.Transactions)/n, float64(db.Autocommits)/n, float64(db.Commits())/n)
		}
	}
	if f := failures.Load(); f > 0 {
		return fmt.Errorf("%d verifications failed (a run stops after %d); the first: %w", f, maxLoadFailures, firstErr)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return nil
}

// reportCPU prints the CPU time per verification and its ratio to one
// P-256 signature verification measured just before and just after the
// run. The CPU time is this process's: with an in-process platform that is
// client and platform together; with --server only the client's.
func (r *verifyRunner) reportCPU(n int, cpu time.Duration, ok bool, before, after p256Floor) {
	if !ok || n == 0 {
		fmt.Fprintln(r.out, "CPU per verification: not measured (the process CPU time cannot be read here)")
		return
	}
	per := cpu / time.Duration(n)
	floor := (before.perVerify + after.perVerify) / 2
	whose := r.whose()
	if r.remote {
		whose += ": the platform runs in another process"
	}
	fmt.Fprintf(r.out, "CPU per verification: %s (%s) = %.1f × one P-256 verification (%s, measured before and after: %s, %s)\n",
		per.Round(time.Microsecond), whose, float64(per)/float64(floor), floor.Round(100*time.Nanosecond),
		before.perVerify.Round(100*time.Nanosecond), after.perVerify.Round(100*time.Nanosecond))
}

// whose says whose work a figure of the process counts: client and
// in-process platform, or with --server the client's only.
func (r *verifyRunner) whose() string {
	if r.remote {
		return "client only"
	}
	return "client and platform"
}

// attack hits one relying-party endpoint at a fixed rate for d with
// vegeta and prints its metrics. poll reads an approved session (the
// result is opened and returned every time); create makes new sessions.
func (r *verifyRunner) attack(ctx context.Context, holders []*wallet.Unlocked, target string, rate int, d time.Duration, conc int, where string) error {
	tgt := vegeta.Target{Method: http.MethodGet, Header: http.Header{}}
	switch target {
	case "poll":
		t, err := r.verifyOnce(ctx, holders[0])
		if err != nil {
			return fmt.Errorf("the session to poll: %w", err)
		}
		tgt.URL = r.base + "/v1/verifications/" + url.PathEscape(t.session)
	case "create":
		body, err := json.Marshal(api.VerificationRequest{Level: string(r.level), Claims: loadClaims, Purpose: "负载测试：核验年满18岁"})
		if err != nil {
			return err
		}
		tgt.Method, tgt.URL, tgt.Body = http.MethodPost, r.base+"/v1/verifications", body
		tgt.Header.Set("Content-Type", "application/json")
	}
	targeter := func(t *vegeta.Target) error {
		authz, err := r.rp.authorization()
		if err != nil {
			return err
		}
		*t = tgt
		t.Header = tgt.Header.Clone()
		t.Header.Set("Authorization", authz)
		return nil
	}
	fmt.Fprintf(r.out, "vegeta: %s %s at %d/s for %s (%s), against the %s\n", tgt.Method, strings.Replace(tgt.URL, r.base, "", 1), rate, d, r.rp.describe(), where)
	atk := vegeta.NewAttacker(
		vegeta.Timeout(loadRequestTimeout), vegeta.Workers(uint64(conc)), vegeta.MaxWorkers(maxAttackWorkers),
		vegeta.Connections(maxAttackWorkers), vegeta.MaxBody(0),
	)
	defer context.AfterFunc(ctx, func() { atk.Stop() })()
	var m vegeta.Metrics
	results := atk.Attack(targeter, vegeta.Rate{Freq: rate, Per: time.Second}, d, "netid-load-verify")
	for res := range results {
		m.Add(res)
	}
	m.Close()
	codes := make([]string, 0, len(m.StatusCodes))
	for code, k := range m.StatusCodes {
		codes = append(codes, fmt.Sprintf("%s×%d", code, k))
	}
	sort.Strings(codes)
	fmt.Fprintf(r.out, "%d requests in %s: rate %.1f/s, throughput %.1f/s, success %.2f%%, status %s\n",
		m.Requests, m.Duration.Round(time.Millisecond), m.Rate, m.Throughput, 100*m.Success, strings.Join(codes, " "))
	fmt.Fprintf(r.out, "latency: p50 %s, p99 %s, max %s\n",
		m.Latencies.P50.Round(100*time.Microsecond), m.Latencies.P99.Round(100*time.Microsecond), m.Latencies.Max.Round(time.Millisecond))
	if m.Success < 1 {
		errs := m.Errors
		if len(errs) > 3 {
			errs = errs[:3]
		}
		return fmt.Errorf("%.2f%% of the requests failed: %s", 100*(1-m.Success), strings.Join(errs, "; "))
	}
	return ctx.Err()
}

// randomNonce is a fresh nonce for one verification.
func randomNonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// checkSuiteOption checks --crypto-suite: empty, or a suite's name, and
// only for the in-process platform (server empty).
func checkSuiteOption(name, server string) error {
	if name == "" {
		return nil
	}
	if _, err := suite.Parse(name); err != nil {
		return fmt.Errorf("%w: --crypto-suite must be es256 or sm", ErrOptions)
	}
	if server != "" {
		return fmt.Errorf("%w: --crypto-suite is the in-process platform's: a running server has its own", ErrOptions)
	}
	return nil
}
