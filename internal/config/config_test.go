package config

import (
	"io"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsValidate(t *testing.T) {
	c, err := Parse("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.PublicURL != "http://127.0.0.1:8080" || c.SQLitePath() != "netid-data/netid.db" || c.Postgres() {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestFlagsBeatEnvironment(t *testing.T) {
	c, err := Parse("serve", []string{"--addr", "127.0.0.1:9000"}, env(map[string]string{
		"NETID_ADDR": "127.0.0.1:7000", "NETID_DEV": "true", "NETID_STATUS_TTL": "1m",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || !c.Dev || c.StatusTTL != time.Minute {
		t.Fatalf("got %+v", c)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c, err := Parse("serve", []string{
		"--addr", "nope", "--public-url", "ftp://x", "--face-threshold", "2",
		"--sms-webhook", "http://gw", "--log-level", "loud", "--db", "mysql://x",
	}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	if err == nil {
		t.Fatal("invalid configuration validated")
	}
	for _, want := range []string{"--addr", "--public-url", "--face-threshold", "--sms-webhook-secret", "--log-level", "--db"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestBadEnvironmentIsReported(t *testing.T) {
	_, err := Parse("serve", nil, env(map[string]string{"NETID_DEV": "maybe", "NETID_STATUS_TTL": "soon"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "NETID_DEV") || !strings.Contains(err.Error(), "NETID_STATUS_TTL") {
		t.Fatalf("got %v", err)
	}
}

func TestTrustedProxiesAndTLS(t *testing.T) {
	c, err := Parse("serve", nil, env(map[string]string{"NETID_TRUSTED_PROXY": "10.0.0.0/8, 192.0.2.7"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := c.Proxies(); err != nil || len(p) != 2 || p[1].String() != "192.0.2.7/32" {
		t.Fatalf("from the environment: %v, %v", p, err)
	}
	// Flags replace the environment's list; they repeat and take commas.
	c, err = Parse("serve", []string{"--trusted-proxy", "172.16.0.0/12", "--trusted-proxy", "fd00::/8,10.1.0.0/16", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--addr", "0.0.0.0:8443"},
		env(map[string]string{"NETID_TRUSTED_PROXY": "10.0.0.0/8"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.TrustedProxies, " "); got != "172.16.0.0/12 fd00::/8 10.1.0.0/16" {
		t.Errorf("TrustedProxies = %q", got)
	}
	if c.PublicURL != "https://localhost:8443" || !c.TLS() {
		t.Errorf("with TLS: public URL %q", c.PublicURL)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	c.TrustedProxies, c.ProxyHeader, c.TLSKey = []string{"10.0.0.0/99", "proxy.example"}, "X-Real-IP", ""
	err = c.Validate()
	for _, want := range []string{`--trusted-proxy "10.0.0.0/99"`, `--trusted-proxy "proxy.example"`, "--proxy-header", "--tls-cert and --tls-key"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v; want it to name %s", err, want)
		}
	}
}

func TestLivenessService(t *testing.T) {
	const token = "s3cret-liveness-token"
	c, err := Parse("serve", nil, env(map[string]string{
		"NETID_LIVENESS_URL": "https://liveness.example/v1/attest", "NETID_LIVENESS_TOKEN": token,
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.LivenessURL != "https://liveness.example/v1/attest" || c.LivenessToken != token {
		t.Fatalf("from the environment: %q %q", c.LivenessURL, c.LivenessToken)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{"http://127.0.0.1:9000/attest", "http://localhost/attest", "http://[::1]:80/"} {
		c.LivenessURL = ok
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://liveness.example/attest", "ftp://127.0.0.1/", "/attest", "https://user:" + token + "@liveness.example/"} {
		c.LivenessURL = bad
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "--liveness-url") {
			t.Errorf("%s: got %v", bad, err)
		} else if strings.Contains(err.Error(), token) {
			t.Errorf("the error shows the token: %v", err)
		}
	}
	var usage strings.Builder
	if _, err := Parse("serve", []string{"--help"}, env(map[string]string{"NETID_LIVENESS_TOKEN": token}), &usage); err == nil || strings.Contains(usage.String(), token) || !strings.Contains(usage.String(), "--liveness-token") && !strings.Contains(usage.String(), "-liveness-token") {
		t.Errorf("the usage text shows the token or no flag: %v\n%s", err, usage.String())
	}
	c.LivenessURL = ""
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--liveness-token") || strings.Contains(err.Error(), token) {
		t.Errorf("a token without a URL: %v", err)
	}
}

func TestHelp(t *testing.T) {
	c, err := Parse("serve", []string{"--help-hotline", "12345"}, env(map[string]string{
		"NETID_HELP_TEXT": "请致电服务热线或前往派出所。", "NETID_HELP_TEXT_EN": "Call the hotline or visit a police station.",
		"NETID_HELP_HOTLINE": "400-000-0000", "NETID_HELP_OFFICES_URL": "https://gov.example/offices",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Help.Text != "请致电服务热线或前往派出所。" || c.Help.TextEN != "Call the hotline or visit a police station." ||
		c.Help.Hotline != "12345" || c.Help.OfficesURL != "https://gov.example/offices" {
		t.Fatalf("help: %+v", c.Help)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Help.Text, c.Help.Hotline, c.Help.OfficesURL = "", "call us", "http://gov.example/offices"
	err = c.Validate()
	for _, want := range []string{"--help-text-en", "--help-hotline", "--help-offices-url"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
	var usage strings.Builder
	if _, err := Parse("serve", []string{"--help"}, env(nil), &usage); err == nil || !strings.Contains(usage.String(), "NETID_HELP_OFFICES_URL") {
		t.Errorf("--help still shows the usage: %v\n%s", err, usage.String())
	}
}

// --crypto-suite is es256 by default, read from NETID_CRYPTO_SUITE, and
// anything but es256 or sm is one line naming the flag.
func TestCryptoSuite(t *testing.T) {
	c, err := Parse("serve", nil, env(nil), io.Discard)
	if err != nil || c.CryptoSuite != "es256" || c.Suite().Name() != "es256" {
		t.Fatalf("default %q, %v", c.CryptoSuite, err)
	}
	c, err = Parse("serve", nil, env(map[string]string{"NETID_CRYPTO_SUITE": "sm"}), io.Discard)
	if err != nil || c.Suite().Name() != "sm" || c.Validate() != nil {
		t.Fatalf("from the environment: %q, %v", c.CryptoSuite, err)
	}
	c, err = Parse("serve", []string{"--crypto-suite", "es256"}, env(map[string]string{"NETID_CRYPTO_SUITE": "sm"}), io.Discard)
	if err != nil || c.Suite().Name() != "es256" {
		t.Fatalf("the flag over the environment: %q, %v", c.CryptoSuite, err)
	}
	for _, bad := range []string{"SM", "sm2", "", "rsa"} {
		c, err := Parse("serve", []string{"--crypto-suite", bad}, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate()
		if err == nil || err.Error() != `--crypto-suite "`+bad+`": want es256 or sm` || c.Suite().Valid() {
			t.Errorf("--crypto-suite %q: %v", bad, err)
		}
	}
}

// The runtime profiles have no authentication, so their listener must be
// on a loopback address.
func TestProfileAddr(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:6060", "127.0.0.9:0", "[::1]:6060", "localhost:6060"} {
		c, err := Parse("serve", []string{"--profile-addr", addr}, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("--profile-addr %s: %v", addr, err)
		}
	}
	c, err := Parse("serve", nil, env(map[string]string{"NETID_PROFILE_ADDR": "127.0.0.1:7070"}), io.Discard)
	if err != nil || c.ProfileAddr != "127.0.0.1:7070" {
		t.Fatalf("from the environment: %q, %v", c.ProfileAddr, err)
	}
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "[::]:6060", "192.0.2.7:6060", "example.com:6060", "127.0.0.1", "127.0.0.1:99999", "127.0.0.1:x"} {
		c, err := Parse("serve", []string{"--profile-addr", addr}, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--profile-addr") || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("--profile-addr %s: %v; want it refused as not loopback", addr, err)
		}
	}
}
