package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/verification"
)

// figuresLine is the line netid load verify prints for a run of 5.
var figuresLine = regexp.MustCompile(`(?m)^5 verifications in [0-9.]+s: [0-9.]+ verifications/s \([0-9.]+ per core, [0-9]+ cores shared by client and server\)$`)

// TestLoadVerifySmall runs the command end to end, so that it cannot rot
// silently: five complete verifications, every combination of client
// authentication and level.
func TestLoadVerifySmall(t *testing.T) {
	dbs := map[string]func(t *testing.T) string{
		"sqlite":   func(*testing.T) string { return "" },
		"postgres": postgresDSN,
	}
	for dbName, db := range dbs {
		for _, tc := range []struct{ auth, level string }{
			{"client_secret_basic", "possession"},
			{"private_key_jwt", "password"},
		} {
			t.Run(dbName+"/"+tc.auth+"/"+tc.level, func(t *testing.T) {
				dsn := db(t)
				code, out, errOut := runCLI(t, "", nil, "load", "verify", "-n", "5", "-c", "2", "--auth", tc.auth, "--level", tc.level, "--db", dsn)
				if code != 0 {
					t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
				}
				if !figuresLine.MatchString(out) {
					t.Errorf("no figures line:\n%s", out)
				}
				for _, want := range []string{"setting up 4 holders", "level " + tc.level + ", " + tc.auth, "latency per verification: p50 ", "steps p50/p99: create "} {
					if !strings.Contains(out, want) {
						t.Errorf("output lacks %q:\n%s", want, out)
					}
				}
				if regexp.MustCompile(`[0-9]{17}[0-9X]`).MatchString(out + errOut) {
					t.Error("output shows a full document number")
				}
			})
		}
	}
}

// TestLoadVerifyAttack runs a short vegeta attack on each target.
func TestLoadVerifyAttack(t *testing.T) {
	for _, tc := range []struct{ target, auth, want string }{
		{"poll", "client_secret_basic", "GET /v1/verifications/"},
		{"create", "private_key_jwt", "POST /v1/verifications at 20/s"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", nil, "load", "verify", "--attack", "20/s", "--duration", "500ms", "--target", tc.target, "--auth", tc.auth)
			if code != 0 {
				t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
			}
			for _, want := range []string{tc.want, "success 100.00%", "latency: p50 "} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestLoadVerifyRefuses checks the arguments refused before any work.
func TestLoadVerifyRefuses(t *testing.T) {
	env := Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	for _, tc := range []struct {
		name string
		args []string
		want error // nil: any error
	}{
		{"remote server", []string{"--server", "https://netid.example.cn", "--admin-token-file", "x"}, errNotLoopback},
		{"private address", []string{"--server", "http://10.0.0.8:8080", "--admin-token-file", "x"}, errNotLoopback},
		{"not a URL", []string{"--server", "127.0.0.1:8080", "--admin-token-file", "x"}, errNotLoopback},
		{"user info", []string{"--server", "http://u:p@127.0.0.1:8080", "--admin-token-file", "x"}, errNotLoopback},
		{"zero rate", []string{"--attack", "0/s"}, errBadRate},
		{"rate per minute", []string{"--attack", "100/m"}, errBadRate},
		{"rate too high", []string{"--attack", "20000/s"}, errBadRate},
		{"unknown flag", []string{"--bogus"}, errUsage},
		{"n zero", []string{"-n", "0"}, nil},
		{"c too high", []string{"-c", "1000"}, nil},
		{"face level", []string{"--level", "face"}, nil},
		{"unknown auth", []string{"--auth", "none"}, nil},
		{"unknown target", []string{"--attack", "10/s", "--target", "delete"}, nil},
		{"long attack", []string{"--attack", "10/s", "--duration", "1h"}, nil},
		{"server without admin token", []string{"--server", "http://127.0.0.1:8080"}, nil},
		{"positional argument", []string{"extra"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := loadVerify(context.Background(), env, tc.args)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestLoadSubcommands checks the dispatch: an unknown subcommand is a
// usage error; flags without a subcommand still mean apply.
func TestLoadSubcommands(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"load", "bogus"}, 2, `unknown command "bogus"`},
		{[]string{"load", "help"}, 2, "usage: netid load [apply|verify]"},
		{[]string{"load", "-n", "0"}, 1, "-n must be 1 to 100000"},
		{[]string{"load", "apply", "-n", "0"}, 1, "-n must be 1 to 100000"},
		{[]string{"load", "verify", "-n", "0"}, 1, "-n must be 1 to 100000"},
	} {
		code, out, errOut := runCLI(t, "", nil, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q %q; want %d and %q", tc.args, code, out, errOut, tc.code, tc.want)
		}
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
		{"10001/s", 0, errBadRate},
		{"0", 0, errBadRate},
		{"007/s", 0, errBadRate},
		{"-5/s", 0, errBadRate},
		{"5/m", 0, errBadRate},
		{"5 /s", 0, errBadRate},
		{"", 0, errBadRate},
	} {
		got, err := parseRate(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("parseRate(%q) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"200/s", "1", "10000/s", "0", "99999/s", "/s", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseRate(s)
		if err != nil {
			if !errors.Is(err, errBadRate) {
				t.Fatalf("parseRate(%q): %v", s, err)
			}
			return
		}
		if r < 1 || r > maxAttackRate {
			t.Fatalf("parseRate(%q) = %d out of range", s, r)
		}
		back, err := parseRate(strconv.Itoa(r) + "/s")
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
		{"wrong typ", sign(key, "k1", "JWT", good), errResult},
		{"unpublished key", sign(other, "k2", verification.ResultType, good), errResult},
		{"published kid, other key", sign(other, "k1", verification.ResultType, good), errResult},
		{"other audience", sign(key, "k1", verification.ResultType, with("aud", "other-rp")), errResult},
		{"other session", sign(key, "k1", verification.ResultType, with("jti", "sess-2")), errResult},
		{"other nonce", sign(key, "k1", verification.ResultType, with("nonce", "n2")), errResult},
		{"other issuer", sign(key, "k1", verification.ResultType, with("iss", "http://127.0.0.1:2")), errResult},
		{"other level", sign(key, "k1", verification.ResultType, with("level", "none")), errResult},
		{"not verified", sign(key, "k1", verification.ResultType, with("verified", false)), errResult},
		{"not a JWS", "not.a.jws", errResult},
		{"empty", "", errResult},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkResult(tc.result, keys, "http://127.0.0.1:1", "load-rp", "sess-1", "n1", verification.LevelPossession)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}
