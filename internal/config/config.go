package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/help"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/suite"
)

// MaxCredentialBatch bounds --credential-batch.
const MaxCredentialBatch = 32

// Config configures the platform.
type Config struct {
	// Addr is the listen address (host:port).
	Addr string
	// PublicURL is the platform's external base URL: its issuer identifier
	// and the base of every URL it publishes. Default http://Addr.
	PublicURL string
	// DataDir holds the SQLite database, the master key file and the trust
	// lists.
	DataDir string
	// DB selects the database: empty for SQLite in DataDir, a path or
	// sqlite:PATH for SQLite elsewhere, postgres://… for PostgreSQL.
	DB string
	// CryptoSuite is the crypto suite netid serve runs: "es256" (the
	// default: P-256, SHA-256, AES-256-GCM) or "sm" (SM2, SM3, SM4,
	// docs/sm-profile.md). The first start records it in the database; a
	// later start with the other one is refused. The admin commands use
	// the recorded suite whatever this says.
	CryptoSuite string
	// Dev runs the development authorities (document authority, liveness
	// provider, relationship authority, SMS outbox) and trusts them.
	Dev bool
	// MasterKeyFile is the key file for envelope encryption and blind
	// indexes. Default DataDir/master.key.
	MasterKeyFile string
	// TrustDir holds the trust lists: documents/ (PEM CA certificates of
	// document issuing authorities), liveness/ and relationships/ (one
	// JWKS file per trusted provider). Default DataDir/trust.
	TrustDir string
	// FaceThreshold is the minimum face similarity score (0..1].
	FaceThreshold float64
	// SMSWebhook is the URL of the SMS gateway webhook; SMSWebhookSecret
	// the file holding its HMAC secret.
	SMSWebhook       string
	SMSWebhookSecret string
	// LivenessURL is the liveness service the platform relays the wallet
	// pages' face checks to (POST /v1/liveness); LivenessToken its bearer
	// token, never logged. Empty: only --dev's own provider, if any.
	LivenessURL   string
	LivenessToken string
	// CredentialTTL bounds a 网证's validity (never beyond the document).
	CredentialTTL time.Duration
	// CredentialBatch is how many batch credentials (each bound to its own
	// device key, presented one per relying party so that relying parties
	// cannot link the holder) a wallet may ask for with its 网证.
	CredentialBatch int
	// StatusTTL is the time-to-live of a published status list.
	StatusTTL time.Duration
	// MaxBodyBytes limits request bodies.
	MaxBodyBytes int64
	// AdminTokenFile holds the bearer token of the admin API; empty turns
	// the admin API off (the `netid admin` commands work on the database
	// directly).
	AdminTokenFile string
	// SessionTTL is how long a verification session's code is valid.
	SessionTTL time.Duration
	// CaseDeadline is how long operators have to answer a holder's case.
	CaseDeadline time.Duration
	// RateLimit is the sustained requests per second allowed per client
	// address (bursts of twice that); 0 turns rate limiting off.
	RateLimit float64
	// ReportsPerDay is how many offline presentations a holder may report
	// for their own history per day (counted in the database, so the limit
	// holds across restarts and replicas).
	ReportsPerDay float64
	// ClientRateLimit is the sustained requests per second allowed per
	// relying party on its server-to-server calls (session API, eID check,
	// OpenID Connect token and userinfo; bursts of twice that), which are
	// not limited per address; there failed authentications count against
	// RateLimit per address. 0 turns it off.
	ClientRateLimit float64
	// TrustedProxies are the reverse proxies (CIDR ranges or addresses)
	// whose forwarded header names the client address; ProxyHeader is
	// that header, X-Forwarded-For or Forwarded. Empty: the direct peer is
	// the client, and forwarded headers are ignored.
	TrustedProxies []string
	ProxyHeader    string
	// TLSCert and TLSKey are PEM files: with both, the platform serves
	// HTTPS itself. Without, it serves HTTP (behind a TLS-terminating
	// proxy, or for development).
	TLSCert string
	TLSKey  string
	// LogLevel is debug, info, warn or error; LogFormat text or json.
	LogLevel  string
	LogFormat string
	// ProfileAddr, if set, is a loopback host:port on which the running
	// platform serves Go's runtime profiles (CPU, heap, goroutines,
	// execution trace) for operators, on a listener of its own with no
	// authentication. Empty: off.
	ProfileAddr string
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration
	// Help is the help offered to people who cannot go on alone: a text
	// in Chinese and English, a hotline, an office finder link.
	Help help.Help
}

// ErrUsage wraps errors in the command line itself (an unknown flag, a
// malformed value); the flag package has already printed the usage.
var ErrUsage = errors.New("usage")

// Env is the prefix of the environment variables: --public-url is
// NETID_PUBLIC_URL.
const Env = "NETID_"

// Parse reads flags from args, each defaulting to its environment variable
// (read through getenv) and then to the built-in default. It does not
// validate; call Validate.
func Parse(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var envErrs []error
	str := func(p *string, flagName, def, usage string) {
		if v := getenv(envName(flagName)); v != "" {
			def = v
		}
		fs.StringVar(p, flagName, def, usage+" (env "+envName(flagName)+")")
	}
	boolean := func(p *bool, flagName string, usage string) {
		def := false
		if v := getenv(envName(flagName)); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: not a boolean", envName(flagName)))
			}
			def = b
		}
		fs.BoolVar(p, flagName, def, usage+" (env "+envName(flagName)+")")
	}
	dur := func(p *time.Duration, flagName string, def time.Duration, usage string) {
		if v := getenv(envName(flagName)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: not a duration (like 5m or 72h)", envName(flagName)))
			} else {
				def = d
			}
		}
		fs.DurationVar(p, flagName, def, usage+" (env "+envName(flagName)+")")
	}
	integer := func(p *int, flagName string, def int, usage string) {
		if v := getenv(envName(flagName)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: not a whole number", envName(flagName)))
			} else {
				def = n
			}
		}
		fs.IntVar(p, flagName, def, usage+" (env "+envName(flagName)+")")
	}
	num := func(p *float64, flagName string, def float64, usage string) {
		if v := getenv(envName(flagName)); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s: not a number", envName(flagName)))
			} else {
				def = f
			}
		}
		fs.Float64Var(p, flagName, def, usage+" (env "+envName(flagName)+")")
	}
	str(&c.Addr, "addr", "127.0.0.1:8080", "listen address")
	str(&c.PublicURL, "public-url", "", "external base URL and issuer identifier (default http://ADDR)")
	str(&c.DataDir, "data", "netid-data", "data directory")
	str(&c.DB, "db", "", "database: empty for SQLite in the data directory, sqlite:PATH, or postgres://…")
	str(&c.CryptoSuite, "crypto-suite", string(suite.NameES256), "crypto suite, fixed at the first start: es256 (P-256, SHA-256, AES-GCM) or sm (SM2, SM3, SM4)")
	boolean(&c.Dev, "dev", "run and trust the development authorities (never in production)")
	str(&c.MasterKeyFile, "master-key", "", "master key file (default DATA/master.key)")
	str(&c.TrustDir, "trust", "", "trust list directory (default DATA/trust)")
	num(&c.FaceThreshold, "face-threshold", 0.8, "minimum face similarity score")
	str(&c.SMSWebhook, "sms-webhook", "", "SMS gateway webhook URL")
	str(&c.SMSWebhookSecret, "sms-webhook-secret", "", "file holding the SMS webhook's HMAC secret")
	str(&c.LivenessURL, "liveness-url", "", "liveness service the web wallet's face checks are relayed to (https unless loopback)")
	// The token's environment value is read after parsing, so that the
	// usage text never shows it as a default.
	fs.StringVar(&c.LivenessToken, "liveness-token", "", "bearer token of the liveness service (env "+envName("liveness-token")+")")
	dur(&c.CredentialTTL, "credential-ttl", 3*365*24*time.Hour, "maximum validity of a network credential")
	integer(&c.CredentialBatch, "credential-batch", 8, "batch credentials a wallet may ask for with its network credential, one per relying party (0 to 32)")
	dur(&c.StatusTTL, "status-ttl", 5*time.Minute, "time-to-live of published status lists")
	maxBody := int64(1 << 20)
	if v := getenv(envName("max-body")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			envErrs = append(envErrs, fmt.Errorf("%s: not a whole number", envName("max-body")))
		} else {
			maxBody = n
		}
	}
	fs.Int64Var(&c.MaxBodyBytes, "max-body", maxBody, "maximum request body in bytes (env "+envName("max-body")+")")
	str(&c.AdminTokenFile, "admin-token-file", "", "file holding the admin API's bearer token (default: admin API off)")
	dur(&c.SessionTTL, "session-ttl", 5*time.Minute, "validity of a verification session's code")
	dur(&c.CaseDeadline, "case-deadline", 15*24*time.Hour, "time operators have to answer a holder's case (申诉与投诉)")
	num(&c.RateLimit, "rate-limit", 20, "requests per second per client address, and failed relying-party authentications per second per address (0: off)")
	num(&c.ReportsPerDay, "reports-per-day", 20, "offline presentations a holder may report per day for their own history")
	num(&c.ClientRateLimit, "client-rate-limit", 100, "requests per second per relying party on the session, eID check, token and userinfo APIs (0: off)")
	fromFlag := map[string]bool{} // list flags given on the command line
	list := func(p *[]string, flagName, usage string) {
		if v := getenv(envName(flagName)); v != "" {
			*p = splitList(v)
		}
		fs.Func(flagName, usage+" (repeatable or comma-separated; env "+envName(flagName)+")", func(s string) error {
			if !fromFlag[flagName] {
				*p = nil // a flag replaces the environment's list
				fromFlag[flagName] = true
			}
			*p = append(*p, splitList(s)...)
			return nil
		})
	}
	list(&c.TrustedProxies, "trusted-proxy", "CIDR range or address of a reverse proxy whose forwarded header names the client")
	str(&c.ProxyHeader, "proxy-header", "X-Forwarded-For", "header the trusted proxies set: X-Forwarded-For or Forwarded")
	str(&c.TLSCert, "tls-cert", "", "PEM certificate chain: serve HTTPS directly (with --tls-key)")
	str(&c.TLSKey, "tls-key", "", "PEM private key of --tls-cert")
	str(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	str(&c.LogFormat, "log-format", "text", "log format: text or json")
	str(&c.ProfileAddr, "profile-addr", "", "loopback address (like 127.0.0.1:6060) serving Go's runtime profiles at /debug/pprof/, for operators (default: off)")
	dur(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "graceful shutdown limit")
	str(&c.Help.Text, "help-text", "", "help text in Chinese, shown to people who cannot go on alone (a lock, an operator's suspension, an expired document)")
	str(&c.Help.TextEN, "help-text-en", "", "the help text in English")
	str(&c.Help.Hotline, "help-hotline", "", "hotline people can call for help")
	str(&c.Help.OfficesURL, "help-offices-url", "", "page that finds a service office (https)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		envErrs = append(envErrs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if c.LivenessToken == "" {
		c.LivenessToken = getenv(envName("liveness-token"))
	}
	c.applyDefaults()
	return c, errors.Join(envErrs...)
}

// splitList splits a comma- or space-separated list, dropping empty items.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// Proxies parses TrustedProxies; Validate reports the ones that do not
// parse.
func (c Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	var errs []error
	for _, s := range c.TrustedProxies {
		p, err := httpx.ParsePrefix(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("--trusted-proxy %q: want a CIDR range (10.0.0.0/8) or an address", s))
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

// TLS reports whether the platform serves HTTPS itself.
func (c Config) TLS() bool { return c.TLSCert != "" }

func envName(flagName string) string {
	return Env + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (c *Config) applyDefaults() {
	if c.PublicURL == "" && c.Addr != "" {
		host, port, err := net.SplitHostPort(c.Addr)
		if err == nil {
			if host == "" || host == "0.0.0.0" || host == "::" {
				host = "localhost"
			}
			scheme := "http://"
			if c.TLS() {
				scheme = "https://"
			}
			c.PublicURL = scheme + net.JoinHostPort(host, port)
		}
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	if c.MasterKeyFile == "" {
		c.MasterKeyFile = filepath.Join(c.DataDir, "master.key")
	}
	if c.TrustDir == "" {
		c.TrustDir = filepath.Join(c.DataDir, "trust")
	}
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		bad("--addr %q: want host:port", c.Addr)
	} else if !validPort(port) {
		bad("--addr %q: invalid port", c.Addr)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		bad("--public-url %q: want an absolute http(s) URL without query or fragment", c.PublicURL)
	}
	if c.DataDir == "" {
		bad("--data: must not be empty")
	}
	if _, err := suite.Parse(c.CryptoSuite); err != nil {
		bad("--crypto-suite %q: want es256 or sm", clip(c.CryptoSuite))
	}
	if c.DB != "" && strings.Contains(c.DB, "://") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		bad("--db: only postgres:// URLs and SQLite paths are supported")
	}
	if !(c.FaceThreshold > 0 && c.FaceThreshold <= 1) {
		bad("--face-threshold %v: want a score in (0, 1]", c.FaceThreshold)
	}
	if c.SMSWebhook != "" {
		if u, err := url.Parse(c.SMSWebhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("--sms-webhook %q: want an absolute http(s) URL", c.SMSWebhook)
		}
		if c.SMSWebhookSecret == "" {
			bad("--sms-webhook-secret: required with --sms-webhook")
		}
	} else if c.SMSWebhookSecret != "" {
		bad("--sms-webhook-secret: given without --sms-webhook")
	}
	if c.LivenessURL != "" {
		if u, err := url.Parse(c.LivenessURL); err != nil || u.Host == "" || u.User != nil || u.Fragment != "" ||
			!(u.Scheme == "https" || u.Scheme == "http" && loopbackHost(u.Hostname())) {
			bad("--liveness-url: want an absolute https URL without user info (http only for a loopback host)")
		}
	} else if c.LivenessToken != "" {
		bad("--liveness-token: given without --liveness-url")
	}
	if c.CredentialTTL < time.Hour {
		bad("--credential-ttl %v: want at least 1h", c.CredentialTTL)
	}
	if c.CredentialBatch < 0 || c.CredentialBatch > MaxCredentialBatch {
		bad("--credential-batch %d: want 0 to %d", c.CredentialBatch, MaxCredentialBatch)
	}
	if c.StatusTTL < time.Second || c.StatusTTL > 24*time.Hour {
		bad("--status-ttl %v: want between 1s and 24h", c.StatusTTL)
	}
	if c.MaxBodyBytes < 4096 || c.MaxBodyBytes > 64<<20 {
		bad("--max-body %d: want between 4096 and 67108864", c.MaxBodyBytes)
	}
	if c.SessionTTL < 30*time.Second || c.SessionTTL > time.Hour {
		bad("--session-ttl %v: want between 30s and 1h", c.SessionTTL)
	}
	if c.CaseDeadline < time.Hour || c.CaseDeadline > 90*24*time.Hour {
		bad("--case-deadline %v: want between 1h and 2160h (90 days)", c.CaseDeadline)
	}
	if c.RateLimit < 0 || c.RateLimit > 1e6 {
		bad("--rate-limit %v: want 0 (off) to 1000000", c.RateLimit)
	}
	if c.ReportsPerDay < 1 || c.ReportsPerDay > 10000 || c.ReportsPerDay != float64(int(c.ReportsPerDay)) {
		bad("--reports-per-day %v: want a whole number from 1 to 10000", c.ReportsPerDay)
	}
	if c.ClientRateLimit < 0 || c.ClientRateLimit > 1e6 {
		bad("--client-rate-limit %v: want 0 (off) to 1000000", c.ClientRateLimit)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("--log-format %q: want text or json", c.LogFormat)
	}
	if _, err := c.Proxies(); err != nil {
		errs = append(errs, err)
	}
	if !strings.EqualFold(c.ProxyHeader, httpx.HeaderXForwardedFor) && !strings.EqualFold(c.ProxyHeader, httpx.HeaderForwarded) {
		bad("--proxy-header %q: want X-Forwarded-For or Forwarded", c.ProxyHeader)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("--tls-cert and --tls-key: give both or neither")
	}
	if c.ShutdownTimeout <= 0 {
		bad("--shutdown-timeout: must be positive")
	}
	if c.ProfileAddr != "" && !loopbackAddr(c.ProfileAddr) {
		bad("--profile-addr %q: want a loopback host:port, like 127.0.0.1:6060 (the profiles have no authentication)", clip(c.ProfileAddr))
	}
	if err := c.Help.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Suite is the crypto suite CryptoSuite names (Validate checks it); the
// zero Suite if it names none.
func (c Config) Suite() suite.Suite {
	s, _ := suite.Parse(c.CryptoSuite)
	return s
}

// loopbackAddr reports whether addr is host:port with a valid port and a
// host that is localhost or a loopback IP address.
func loopbackAddr(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || !validPort(port) {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validPort reports whether port is a TCP port number (0 for any).
func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

// clip shortens a value from outside for a message.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// Postgres reports whether the configuration selects PostgreSQL.
func (c Config) Postgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// SQLitePath is the SQLite database file when SQLite is selected.
func (c Config) SQLitePath() string {
	switch {
	case c.DB == "":
		return filepath.Join(c.DataDir, "netid.db")
	case strings.HasPrefix(c.DB, "sqlite:"):
		return strings.TrimPrefix(c.DB, "sqlite:")
	}
	return c.DB
}

// loopbackHost reports whether host names this machine: localhost or a
// loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
