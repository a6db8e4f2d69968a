package platform

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/counter"
	"github.com/netid-project/netid/internal/devauthority"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/eidverify"
	"github.com/netid-project/netid/internal/guardian"
	"github.com/netid-project/netid/internal/holder"
	"github.com/netid-project/netid/internal/httpx"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/liveness"
	"github.com/netid-project/netid/internal/oidc"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/proofing"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/rpapply"
	"github.com/netid-project/netid/internal/server"
	"github.com/netid-project/netid/internal/sms"
	"github.com/netid-project/netid/internal/status"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/verification"
	"github.com/netid-project/netid/internal/webwallet"
)

// Names of the development authorities in the trust lists.
const (
	DevLivenessProvider      = "netid-dev-liveness"
	DevRelationshipAuthority = "netid-dev-relationships"
)

// Platform is an assembled platform.
type Platform struct {
	Config   config.Config
	Store    storage.Storage
	Keys     *keys.KeySet
	Proofing *proofing.Service
	// Verification runs verification sessions; Records is the record log;
	// Registry registers relying parties.
	Verification *verification.Service
	Records      *audit.Log
	Registry     *relyingparty.Registry
	// RPApplications runs organisations' applications to become relying
	// parties.
	RPApplications *rpapply.Service
	Server         *server.Server
	Handler        http.Handler
	// Outbox is the development SMS outbox (nil without --dev).
	Outbox *sms.Outbox
	Log    *slog.Logger
	// Unrecorded is what the check at start of ended sessions against the
	// record log found (reported in the log).
	Unrecorded verification.Unrecorded

	notifier *server.HTTPNotifier
	stop     chan struct{}
	wg       sync.WaitGroup
}

// Options adjust a platform for tests and tools.
type Options struct {
	// Now replaces the clock.
	Now func() time.Time
	// PasswordParams replaces the argon2id parameters of credential
	// passwords (tests only: the defaults are the production choice).
	PasswordParams password.Params
	// PasswordHasher replaces the hashing and checking of credential
	// passwords (tests count its calls); nil means password.Argon2id with
	// PasswordParams.
	PasswordHasher PasswordHasher
	// RPChecker replaces the checker of relying-party applicants' domains
	// (tests: an httptest server and a fake resolver); nil means the
	// SSRF-guarded fetcher and the system resolver.
	RPChecker *rpapply.Checker
	// KeyReload replaces KeyReloadInterval (tests of several processes);
	// the keys' propagation time is KeyPropagationFactor times it.
	KeyReload time.Duration
}

// KeyReloadInterval is how often a serving platform rereads the signing
// keys: a key rotated by another process (netid admin keys rotate) is in
// this platform's JWKS within it. A rotated key signs only once it is
// KeyPropagationFactor intervals old (keys.KeySet.Propagation), when every
// replica publishes it.
const (
	KeyReloadInterval    = 10 * time.Second
	KeyPropagationFactor = 3
)

// PasswordHasher hashes and checks credential passwords (password.Argon2id).
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(encoded, password string) (bool, error)
}

// openStore opens the database the configuration selects.
func openStore(ctx context.Context, cfg config.Config) (storage.Storage, error) {
	if cfg.Postgres() {
		s, err := sqlstore.OpenPostgres(ctx, cfg.DB)
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL: %w", err)
		}
		return s, nil
	}
	path := cfg.SQLitePath()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the database directory: %w", err)
	}
	s, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	return s, nil
}

// Open assembles the platform. Close releases it.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) (_ *Platform, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	reload := KeyReloadInterval
	if opt.KeyReload > 0 {
		reload = opt.KeyReload
	}
	core, err := OpenCore(ctx, cfg, CoreOptions{Create: true, Now: now, KeyPropagation: KeyPropagationFactor * reload, Suite: cfg.Suite()})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			core.Close()
		}
	}()
	store, sealer, indexer, keySet := core.Store, core.Sealer, core.Indexer, core.Keys
	// The data's crypto suite: holder, device and client keys are its keys.
	cryptoSuite := keySet.Suite()

	trust, err := loadTrust(cfg.TrustDir)
	if err != nil {
		return nil, err
	}
	p := &Platform{Config: cfg, Store: store, Keys: keySet, Log: log, stop: make(chan struct{})}

	var sender sms.Sender
	if cfg.SMSWebhook != "" {
		secret, err := os.ReadFile(cfg.SMSWebhookSecret)
		if err != nil {
			return nil, fmt.Errorf("reading the SMS webhook secret: %w", err)
		}
		sender = &sms.WebhookSender{URL: cfg.SMSWebhook, Secret: []byte(strings.TrimSpace(string(secret))), Client: &http.Client{Timeout: 10 * time.Second}, Now: now}
	}
	var dev *server.Dev
	if cfg.Dev {
		dev, err = devAuthorities(filepath.Join(cfg.DataDir, "dev"), trust, now, keySet.Suite())
		if err != nil {
			return nil, err
		}
		dev.MaxBody = cfg.MaxBodyBytes
		p.Outbox = dev.Outbox
		if sender == nil {
			sender = dev.Outbox
		}
	}
	statusURI := func(list string) string { return cfg.PublicURL + server.StatusPath + list }
	const listSize = 1 << 17
	codes := &sms.Codes{
		Store:  store,
		Sender: sender,
		MAC:    indexer.MAC,
		Rand:   rand.Reader,
		Now:    now,
		NewID:  uuid.NewString,
		Index:  func(phone string) string { return indexer.Index("phone", phone) },
	}
	hasher := opt.PasswordHasher
	if hasher == nil {
		hasher = password.Argon2id{Params: opt.PasswordParams, Rand: rand.Reader}
	}
	passwords := &person.Passwords{Store: store, Now: now, Hasher: hasher}
	p.Records = core.Records
	publisher := &status.Publisher{Store: store, Keys: keySet, URI: statusURI, Size: listSize, TTL: cfg.StatusTTL, Now: now}
	// Relying parties are read on every step of their sessions: the
	// wallet's open and approval are served from a cache for at most
	// relyingparty.CacheTTL, forgotten at once when changed through this
	// process. A relying party's own authentication reads its stored row
	// (the Authenticator below is given the store, not the cache), so a
	// rotated secret or a disabled client takes effect at its next request
	// wherever the change was made.
	rps := &relyingparty.Cache{Store: store}
	p.Registry = core.Registry
	p.Registry.Store = rps
	livenessVerifier := liveness.Verifier{Suite: cryptoSuite, Trusted: trust.liveness, Threshold: cfg.FaceThreshold, MaxAge: 5 * time.Minute}

	p.Proofing = &proofing.Service{
		Suite:     cryptoSuite,
		Store:     store,
		Documents: trust.documents,
		Liveness:  livenessVerifier,
		Codes:     codes,
		Guardians: &guardian.JWSVerifier{Suite: cryptoSuite, Trusted: trust.relationships, MaxAge: time.Hour},
		Keys:      keySet,
		Sealer:    sealer,
		Index:     indexer,
		Passwords: passwords,
		Issuer:    cfg.PublicURL,
		StatusURI: statusURI,
		Indices:   &status.Allocator{Size: listSize},
		BatchSize: cfg.CredentialBatch,
		Records:   p.Records,
		Status:    publisher, // re-proofing publishes its status changes at once

		Hasher:        hasher,
		CredentialTTL: cfg.CredentialTTL,
		Now:           now,
	}
	if err := p.Proofing.Check(); err != nil {
		return nil, err
	}

	p.notifier = &server.HTTPNotifier{Log: log}
	p.Verification = &verification.Service{
		Store:          store,
		RelyingParties: rps,
		Passwords:      passwords,
		Liveness:       livenessVerifier,
		Keys:           keySet,
		Sealer:         sealer,
		MAC:            indexer,
		Records:        p.Records,
		Notifier:       p.notifier,
		Issuer:         cfg.PublicURL,
		SessionTTL:     cfg.SessionTTL,
		Now:            now,

		ReportsPerDay: int(cfg.ReportsPerDay),
	}
	if err := p.Verification.Check(); err != nil {
		return nil, err
	}
	// Organisations apply to become relying parties; the platform checks
	// their domains with the SSRF-guarded fetcher.
	// A case closed by disabling its relying party takes effect on that
	// relying party's next request here, not when the cache entry expires.
	cases := core.Cases()
	if cases != nil {
		cases.RelyingPartyChanged = rps.Forget
	}
	p.RPApplications = &rpapply.Service{Store: store, Registry: p.Registry, MAC: indexer.MAC, Now: now}
	if opt.RPChecker != nil {
		p.RPApplications.Checker = opt.RPChecker
	}
	admin := &relyingparty.AdminAPI{Registry: p.Registry, MAC: indexer.MAC, Log: log, MaxBody: cfg.MaxBodyBytes}
	if cfg.AdminTokenFile != "" {
		token, err := os.ReadFile(cfg.AdminTokenFile)
		if err != nil {
			return nil, fmt.Errorf("reading the admin token: %w", err)
		}
		if len(strings.TrimSpace(string(token))) < 32 {
			return nil, errors.New("the admin token must be at least 32 characters")
		}
		admin.TokenMAC = indexer.MAC(relyingparty.AdminTokenDomain, []byte(strings.TrimSpace(string(token))))
	}

	throttle, err := clientThrottle(cfg, store, indexer.MAC, now)
	if err != nil {
		return nil, err
	}
	clients := &relyingparty.Authenticator{Suite: cryptoSuite, Store: store, Audience: cfg.PublicURL, Now: now, MAC: indexer.MAC, Throttle: throttle}
	provider := &oidc.Provider{
		Issuer: cfg.PublicURL, Verification: p.Verification, Store: store, Clients: clients,
		Keys: keySet, MAC: indexer, Log: log, Now: now, Throttle: throttle,
	}
	if err := provider.Check(); err != nil {
		return nil, err
	}
	selfService := &lifecycle.Service{
		Store: store, Sealer: sealer, Index: indexer, Codes: codes, Passwords: passwords,
		Status: publisher, Records: p.Records, PasswordParams: opt.PasswordParams, Now: now,
	}
	if err := selfService.Check(); err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The liveness relay (POST /v1/liveness) asks the configured liveness
	// service, or in development with none configured the dev provider,
	// so that the wallet's pages have one path for the face check.
	var relay liveness.Provider
	switch {
	case cfg.LivenessURL != "":
		relay = &liveness.HTTPProvider{URL: cfg.LivenessURL, Token: cfg.LivenessToken}
	case dev != nil:
		relay = dev.Liveness
	}
	web := webwallet.New(cfg.PublicURL, log)
	// In development the wallet's pages offer the dev fixtures (a test
	// document, the dev SMS outbox); with a liveness relay they offer the
	// camera for the face check.
	web.Dev = cfg.Dev
	web.Liveness = relay != nil
	web.Help = cfg.Help
	p.Server = &server.Server{
		Proofing:   p.Proofing,
		Passwords:  passwords,
		Holders:    holder.Verifier{Store: store, Now: now},
		Keys:       keySet,
		Suite:      keySet.Suite(),
		Status:     publisher,
		DB:         store,
		PublicURL:  cfg.PublicURL,
		MaxBody:    cfg.MaxBodyBytes,
		Log:        log,
		Registry:   reg,
		Dev:        dev,
		Help:       cfg.Help,
		Liveness:   relay,
		SMSEnabled: sender != nil,
		Now:        now,

		Verification: p.Verification,
		Clients:      clients,
		Heads:        store,
		Tree:         store,
		Admin:        admin,
		RPRoutes: []server.Mounter{
			&relyingparty.PublicRegistry{Registry: p.Registry, Log: log},
			&rpapply.API{Service: p.RPApplications, Admin: admin, Log: log, MaxBody: cfg.MaxBodyBytes},
		},
		RPStats:   store,
		OIDC:      provider,
		EID:       &eidverify.Service{Suite: cryptoSuite, Store: store, Full: store, Sealer: sealer, Records: p.Records, Issuer: cfg.PublicURL, Now: now},
		Lifecycle: selfService,
		Verifiers: core.Verifiers,
		Cases:     cases,
		Web:       web,

		Counters: &counter.Verifier{Suite: cryptoSuite, Store: store, Issuer: cfg.PublicURL, Threshold: cfg.FaceThreshold, Now: now},
		CounterAdmin: &counter.AdminAPI{
			Registry: &counter.Registry{Suite: cryptoSuite, Store: store, DB: store, Records: p.Records, Now: now},
			Enabled:  admin.Enabled, Authorized: admin.Authorized, Unauthorized: relyingparty.AdminUnauthorized,
			Log: log, MaxBody: cfg.MaxBodyBytes,
		},
	}
	if p.Server.TrustedProxies, err = cfg.Proxies(); err != nil {
		return nil, err
	}
	p.Server.ProxyHeader = cfg.ProxyHeader
	if cfg.RateLimit > 0 {
		if p.Server.RateLimit, err = newLimiter(cfg.RateLimit, now); err != nil {
			return nil, err
		}
	}
	p.Handler = p.Server.Handler()

	if trust.documents.Len() == 0 {
		log.Warn("the document trust list is empty: no document can verify", "dir", filepath.Join(cfg.TrustDir, "documents"))
	}
	if len(trust.liveness) == 0 {
		log.Warn("no liveness provider is trusted: no face check can pass", "dir", filepath.Join(cfg.TrustDir, "liveness"))
	}
	if sender == nil {
		log.Warn("no SMS gateway configured (--sms-webhook): applications cannot bind a phone")
	}
	// The record log's partitions for this month and the next ones, before
	// the first append (a missing one would send records to the default
	// partition until the next maintenance).
	if err := store.MaintainPartitions(ctx, now()); err != nil {
		log.Error("creating the record log's partitions", "err", err)
	}
	p.Unrecorded = checkRecords(ctx, store, log)
	p.reseal(ctx)
	// A log written before the Merkle tree gets its first signed tree
	// head now, so holders' histories come with proofs from the start.
	if _, err := p.Records.SignTree(ctx); err != nil && !errors.Is(err, audit.ErrEmptyLog) {
		log.Error("checking the record log's tree head", "err", err)
	}
	p.wg.Add(2)
	go p.maintain(now)
	go p.reloadKeys(now, reload)
	return p, nil
}

// unrecordedLimit bounds the ended sessions checked at start: sessions are
// kept a day after they expire, so this covers a day's verifications of a
// busy deployment.
const unrecordedLimit = 1_000_000

// checkRecords reports, at start, ended sessions whose verification record
// the log does not show. A session ends with its record in one
// transaction, so only data written before that was so can hold one; the
// operator learns of it here (and from netid admin audit verify).
func checkRecords(ctx context.Context, store storage.Storage, log *slog.Logger) verification.Unrecorded {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	found, err := verification.FindUnrecorded(ctx, store, unrecordedLimit)
	if err != nil {
		log.Error("checking ended sessions against the record log", "err", err)
		return found
	}
	if n := len(found.Missing); n > 0 {
		ids := make([]string, 0, min(n, 20))
		for _, s := range found.Missing[:min(n, 20)] {
			ids = append(ids, s.ID)
		}
		log.Warn("ended sessions without their verification record: the holders' histories do not show them",
			"count", n, "sessions", ids)
	}
	if n := len(found.Unclaimed); n > 0 {
		log.Info("sessions that ended before a holder opened them have no record found", "count", n)
	}
	return found
}

// reseal rewrites persons' sealed identities stored in an older format
// with only the fields the platform keeps (person.Reseal): at start, and
// in maintenance for rows a process of an older version wrote meanwhile.
func (p *Platform) reseal(ctx context.Context) {
	n, err := person.Reseal(ctx, p.Store, p.Proofing.Sealer)
	if err != nil {
		p.Log.Error("resealing stored identities in the current format", "err", err, "resealed", n)
		return
	}
	if n > 0 {
		p.Log.Info("resealed stored identities in the current format: fields no longer kept are gone", "count", n)
	}
}

// reloadKeys rereads the signing keys every interval: a rotation by
// another process, and the moment a rotated key has propagated to every
// replica and starts signing.
func (p *Platform) reloadKeys(now func() time.Time, interval time.Duration) {
	defer p.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			if err := p.Keys.Reload(ctx, now()); err != nil {
				p.Log.Error("reloading signing keys", "err", err)
			}
			cancel()
		}
	}
}

// maintain deletes expired codes, nonces and applications, creates the
// record log's partitions ahead of time, reseals identities in an older
// format, and signs the record log's head, once a minute.
func (p *Platform) maintain(now func() time.Time) {
	defer p.wg.Done()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := p.Store.DeleteExpired(ctx, now()); err != nil {
				p.Log.Error("deleting expired records", "err", err)
			}
			if err := p.Store.MaintainPartitions(ctx, now()); err != nil {
				p.Log.Error("creating the record log's partitions", "err", err)
			}
			p.reseal(ctx)
			// A signed head over the newest records, published at
			// /v1/audit/head, so truncating the log is detectable.
			if _, err := p.Records.SignHead(ctx); err != nil && !errors.Is(err, audit.ErrEmptyLog) {
				p.Log.Error("signing the record log's head", "err", err)
			}
			// A log written before the Merkle tree gets its first tree
			// head; a log whose newest records lost their tree heads is
			// reported (the platform does not sign over it).
			if _, err := p.Records.SignTree(ctx); err != nil && !errors.Is(err, audit.ErrEmptyLog) {
				p.Log.Error("checking the record log's tree head", "err", err)
			}
			cancel()
		}
	}
}

// Close stops background work and closes the database.
func (p *Platform) Close() error {
	close(p.stop)
	p.wg.Wait()
	p.notifier.Close()
	return p.Store.Close()
}

type trustLists struct {
	documents     *chip.TrustList
	liveness      map[string]jose.JSONWebKeySet
	relationships map[string]jose.JSONWebKeySet
}

func loadTrust(dir string) (trustLists, error) {
	var t trustLists
	var errs []error
	var err error
	if t.documents, err = chip.LoadTrustList(filepath.Join(dir, "documents")); err != nil {
		errs = append(errs, fmt.Errorf("document trust list: %w", err))
	}
	if t.liveness, err = liveness.LoadTrust(filepath.Join(dir, "liveness")); err != nil {
		errs = append(errs, fmt.Errorf("liveness trust list: %w", err))
	}
	if t.relationships, err = guardian.LoadTrust(filepath.Join(dir, "relationships")); err != nil {
		errs = append(errs, fmt.Errorf("relationship trust list: %w", err))
	}
	if t.liveness == nil {
		t.liveness = map[string]jose.JSONWebKeySet{}
	}
	if t.relationships == nil {
		t.relationships = map[string]jose.JSONWebKeySet{}
	}
	return t, errors.Join(errs...)
}

// devAuthorities loads (creating on first use) the development document
// authority, liveness provider and relationship authority from dir and adds
// them to the trust lists. They sign with the platform's suite (SM2 and
// SM3 on suite.SM).
func devAuthorities(dir string, trust trustLists, now func() time.Time, st suite.Suite) (*server.Dev, error) {
	docs, err := devauthority.LoadOrCreateDocumentsFor(filepath.Join(dir, "documents"), st, now())
	if err != nil {
		return nil, fmt.Errorf("development document authority: %w", err)
	}
	trust.documents.Add(docs.CA())
	liveKey, liveKID, err := loadOrCreateKey(filepath.Join(dir, "liveness.key"), st)
	if err != nil {
		return nil, fmt.Errorf("development liveness provider: %w", err)
	}
	live := liveness.Signer{Issuer: DevLivenessProvider, Key: liveKey, KeyID: liveKID, Score: 0.97, Now: now}
	trust.liveness[DevLivenessProvider] = live.JWKS()
	relKey, relKID, err := loadOrCreateKey(filepath.Join(dir, "relationships.key"), st)
	if err != nil {
		return nil, fmt.Errorf("development relationship authority: %w", err)
	}
	rel := guardian.Authority{Issuer: DevRelationshipAuthority, Key: relKey, KeyID: relKID}
	trust.relationships[DevRelationshipAuthority] = rel.JWKS()
	return &server.Dev{
		Documents:     docs,
		Outbox:        sms.NewOutbox(20),
		Liveness:      live,
		Relationships: rel,
		Now:           now,
	}, nil
}

// newLimiter is a limiter of rate requests per second per key, in bursts
// of twice that.
func newLimiter(rate float64, now func() time.Time) (*httpx.RateLimiter, error) {
	return httpx.NewRateLimiter(httpx.RateLimitConfig{Rate: rate, Burst: int(2*rate) + 1, MaxKeys: 100000, Now: now})
}

// failureWindow is the window failed relying-party authentications are
// counted in across replicas (relyingparty.SharedFailures).
const failureWindow = 10 * time.Second

// clientThrottle limits the relying parties' server-to-server calls: per
// relying party (--client-rate-limit), and failed authentications per
// address (--rate-limit), each off at 0.
//
// On PostgreSQL, where several replicas may serve one database, failed
// authentications (guessing a client secret) are counted in the database,
// per failureWindow, as many as the token bucket lets through in one
// window (its burst and a window's refill), so that they add up across
// replicas. The per-relying-party limit and the per-address request limit
// stay in each replica's memory: they shed load on every request, where a
// database write would cost what replicas are there to add; with N
// replicas behind a balancer a client gets up to N times them.
func clientThrottle(cfg config.Config, store storage.Storage, mac relyingparty.MACFunc, now func() time.Time) (*relyingparty.Throttle, error) {
	t := &relyingparty.Throttle{}
	if cfg.ClientRateLimit > 0 {
		l, err := newLimiter(cfg.ClientRateLimit, now)
		if err != nil {
			return nil, err
		}
		t.PerClient = l
	}
	switch {
	case cfg.RateLimit > 0 && cfg.Postgres():
		burst := int64(2*cfg.RateLimit) + 1
		t.Failures = &relyingparty.SharedFailures{
			Store: store, MAC: mac, Now: now, Window: failureWindow,
			Limit: burst + int64(cfg.RateLimit*failureWindow.Seconds()),
		}
	case cfg.RateLimit > 0:
		l, err := newLimiter(cfg.RateLimit, now)
		if err != nil {
			return nil, err
		}
		t.Failures = l
	}
	return t, nil
}
