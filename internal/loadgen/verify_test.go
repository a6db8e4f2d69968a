package loadgen

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/verification"
)

// figuresLine is the line Verify prints for a run of 5.
var figuresLine = regexp.MustCompile(`(?m)^5 verifications in [0-9.]+s: [0-9.]+ verifications/s \([0-9.]+ per core, [0-9]+ cores shared by client and server\)$`)

// cpuLine is the line Verify prints about the CPU time per verification,
// in-process: client and platform, as a multiple of one P-256 check.
var cpuLine = regexp.MustCompile(`(?m)^CPU per verification: [0-9.]+[µm]s \(client and platform\) = [0-9]+\.[0-9] × one P-256 verification \([0-9.]+µs, `)

// sqlLine is the line Verify prints about the statements per
// verification of the in-process platform.
var sqlLine = regexp.MustCompile(`(?m)^SQL per verification: [1-9][0-9]*\.[0-9] statements, [0-9]+\.[0-9]{2} transactions, [0-9]+\.[0-9]{2} autocommitted changes \([0-9]+\.[0-9]{2} commits\)$`)

func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	return dsn
}

// TestVerifySmall runs the load end to end, so that it cannot rot
// silently: five complete verifications, every combination of client
// authentication and level, and private_key_jwt on an sm platform, which
// takes only an SM2 client key.
func TestVerifySmall(t *testing.T) {
	dbs := map[string]func(t *testing.T) string{
		"sqlite":   func(*testing.T) string { return "" },
		"postgres": postgresDSN,
	}
	for dbName, db := range dbs {
		for _, tc := range []struct{ auth, level, suite, keyAlg string }{
			{"client_secret_basic", "possession", "", ""},
			{"private_key_jwt", "password", "", "ES256"},
			{"private_key_jwt", "possession", "sm", "SM2"},
		} {
			t.Run(dbName+"/"+tc.auth+"/"+tc.level+"/"+tc.suite, func(t *testing.T) {
				dsn := db(t)
				var out, log bytes.Buffer
				err := Verify(context.Background(), VerifyOptions{N: 5, Concurrency: 2, Auth: tc.auth, Level: tc.level, CryptoSuite: tc.suite, DB: dsn, Out: &out, Log: &log})
				if err != nil {
					t.Fatalf("%v:\n%s\n%s", err, out.String(), log.String())
				}
				if !figuresLine.MatchString(out.String()) {
					t.Errorf("no figures line:\n%s", out.String())
				}
				if !sqlLine.MatchString(out.String()) {
					t.Errorf("no SQL line:\n%s", out.String())
				}
				if !cpuLine.MatchString(out.String()) {
					t.Errorf("no CPU line:\n%s", out.String())
				}
				auth := tc.auth
				if tc.keyAlg != "" {
					auth += " with an " + tc.keyAlg + " key"
				}
				for _, want := range []string{"setting up 4 holders", "level " + tc.level + ", " + auth + ")", "latency per verification: p50 ", "steps p50/p99: create "} {
					if !strings.Contains(out.String(), want) {
						t.Errorf("output lacks %q:\n%s", want, out.String())
					}
				}
				if regexp.MustCompile(`[0-9]{17}[0-9X]`).MatchString(out.String() + log.String()) {
					t.Error("output shows a full document number")
				}
			})
		}
	}
}

// TestVerifyAttack runs a short vegeta attack on each target.
func TestVerifyAttack(t *testing.T) {
	for _, tc := range []struct{ target, auth, want string }{
		{"poll", "client_secret_basic", "GET /v1/verifications/"},
		{"create", "private_key_jwt", "POST /v1/verifications at 20/s"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			var out bytes.Buffer
			err := Verify(context.Background(), VerifyOptions{N: 200, Concurrency: 4, Level: "possession", Attack: "20/s", Duration: 500 * time.Millisecond, Target: tc.target, Auth: tc.auth, Out: &out})
			if err != nil {
				t.Fatalf("%v:\n%s", err, out.String())
			}
			for _, want := range []string{tc.want, "success 100.00%", "latency: p50 "} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

// TestVerifyRefuses checks the options refused before any work.
func TestVerifyRefuses(t *testing.T) {
	good := VerifyOptions{N: 200, Concurrency: 4, Level: "possession", Auth: "client_secret_basic", Duration: 10 * time.Second, Target: "poll"}
	for _, tc := range []struct {
		name string
		edit func(o *VerifyOptions)
		want error
	}{
		{"remote server", func(o *VerifyOptions) { o.Server, o.AdminTokenFile = "https://netid.example.cn", "x" }, ErrNotLoopback},
		{"private address", func(o *VerifyOptions) { o.Server, o.AdminTokenFile = "http://10.0.0.8:8080", "x" }, ErrNotLoopback},
		{"not a URL", func(o *VerifyOptions) { o.Server, o.AdminTokenFile = "127.0.0.1:8080", "x" }, ErrNotLoopback},
		{"user info", func(o *VerifyOptions) { o.Server, o.AdminTokenFile = "http://u:p@127.0.0.1:8080", "x" }, ErrNotLoopback},
		{"zero rate", func(o *VerifyOptions) { o.Attack = "0/s" }, ErrBadRate},
		{"rate per minute", func(o *VerifyOptions) { o.Attack = "100/m" }, ErrBadRate},
		{"rate too high", func(o *VerifyOptions) { o.Attack = "20000/s" }, ErrBadRate},
		{"n zero", func(o *VerifyOptions) { o.N = 0 }, ErrOptions},
		{"c too high", func(o *VerifyOptions) { o.Concurrency = 1000 }, ErrOptions},
		{"face level", func(o *VerifyOptions) { o.Level = "face" }, ErrOptions},
		{"unknown auth", func(o *VerifyOptions) { o.Auth = "none" }, ErrOptions},
		{"unknown target", func(o *VerifyOptions) { o.Attack, o.Target = "10/s", "delete" }, ErrOptions},
		{"long attack", func(o *VerifyOptions) { o.Attack, o.Duration = "10/s", time.Hour }, ErrOptions},
		{"server without admin token", func(o *VerifyOptions) { o.Server = "http://127.0.0.1:8080" }, ErrOptions},
		{"unknown suite", func(o *VerifyOptions) { o.CryptoSuite = "rsa" }, ErrOptions},
		{"suite of a running server", func(o *VerifyOptions) {
			o.Server, o.AdminTokenFile, o.CryptoSuite = "http://127.0.0.1:8080", "x", "sm"
		}, ErrOptions},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.edit(&o)
			if err := Verify(context.Background(), o); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if err := Apply(context.Background(), ApplyOptions{N: 0, Concurrency: 1}); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "-n must be 1 to 100000") {
		t.Errorf("apply with -n 0: %v", err)
	}
	if err := Apply(context.Background(), ApplyOptions{N: 1, Concurrency: 1, CryptoSuite: "rsa"}); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "--crypto-suite must be es256 or sm") {
		t.Errorf("apply with --crypto-suite rsa: %v", err)
	}
	if err := Apply(context.Background(), ApplyOptions{N: 1, Concurrency: 1, CryptoSuite: "sm", Server: "http://127.0.0.1:8080"}); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "a running server has its own") {
		t.Errorf("apply with --crypto-suite and --server: %v", err)
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		err  error
	}{
		{"200/s", 200, nil},
		{"200", 200, nil},
		{"1/s", 1, nil},
		{"10000/s", 10000, nil},
		{"10001/s", 0, ErrBadRate},
		{"0", 0, ErrBadRate},
		{"007/s", 0, ErrBadRate},
		{"-5/s", 0, ErrBadRate},
		{"5/m", 0, ErrBadRate},
		{"5 /s", 0, ErrBadRate},
		{"", 0, ErrBadRate},
	} {
		got, err := ParseRate(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseRate(%q) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"200/s", "1", "10000/s", "0", "99999/s", "/s", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			if !errors.Is(err, ErrBadRate) {
				t.Fatalf("ParseRate(%q): %v", s, err)
			}
			return
		}
		if r < 1 || r > maxAttackRate {
			t.Fatalf("ParseRate(%q) = %d out of range", s, r)
		}
		back, err := ParseRate(strconv.Itoa(r) + "/s")
		if err != nil || back != r {
			t.Fatalf("round trip of %d: %d, %v", r, back, err)
		}
	})
}

// TestCheckResult checks that a result is refused unless it is this
// verification's, signed by a published key.
func TestCheckResult(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256"}}}
	good := map[string]any{"iss": "http://127.0.0.1:1", "aud": "load-rp", "jti": "sess-1", "nonce": "n1", "level": "possession", "verified": true}
	sign := func(k *ecdsa.PrivateKey, kid, typ string, claims map[string]any) string {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, (&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("kid", kid))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(claims)
		jws, err := s.Sign(b)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := jws.CompactSerialize()
		return out
	}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range good {
			c[kk] = vv
		}
		c[k] = v
		return c
	}
	for _, tc := range []struct {
		name   string
		result string
		want   error
	}{
		{"good", sign(key, "k1", verification.ResultType, good), nil},
		{"wrong typ", sign(key, "k1", "JWT", good), ErrResult},
		{"unpublished key", sign(other, "k2", verification.ResultType, good), ErrResult},
		{"published kid, other key", sign(other, "k1", verification.ResultType, good), ErrResult},
		{"other audience", sign(key, "k1", verification.ResultType, with("aud", "other-rp")), ErrResult},
		{"other session", sign(key, "k1", verification.ResultType, with("jti", "sess-2")), ErrResult},
		{"other nonce", sign(key, "k1", verification.ResultType, with("nonce", "n2")), ErrResult},
		{"other issuer", sign(key, "k1", verification.ResultType, with("iss", "http://127.0.0.1:2")), ErrResult},
		{"other level", sign(key, "k1", verification.ResultType, with("level", "none")), ErrResult},
		{"not verified", sign(key, "k1", verification.ResultType, with("verified", false)), ErrResult},
		{"not a JWS", "not.a.jws", ErrResult},
		{"empty", "", ErrResult},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkResult(tc.result, keys, "http://127.0.0.1:1", "load-rp", "sess-1", "n1", api.LevelPossession)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestApplySmall runs two complete applications against an in-process
// platform of each crypto suite; the suite printed is the one the
// platform publishes, which the wallets' keys follow.
func TestApplySmall(t *testing.T) {
	for _, tc := range []struct{ option, want string }{{"", "es256"}, {"sm", "sm"}} {
		t.Run(tc.want, func(t *testing.T) {
			var out bytes.Buffer
			if err := Apply(context.Background(), ApplyOptions{N: 2, Concurrency: 2, CryptoSuite: tc.option, LimitTime: 0, Out: &out}); err != nil {
				t.Fatalf("%v:\n%s", err, out.String())
			}
			for _, want := range []string{"minting 2 test documents", "on SQLite, crypto suite " + tc.want + "\n", "2 applications in ", "latency per application: p50 "} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
