package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
)

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(ctx context.Context, env Env, args []string) error {
	cfg, err := config.Parse("netid serve", args, env.Getenv, env.Stderr)
	if err != nil {
		return configError(err)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	tlsConfig, err := loadTLS(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	// With port 0 the public URL follows the port the system chose.
	if strings.HasSuffix(cfg.Addr, ":0") && env.Getenv(config.Env+"PUBLIC_URL") == "" && !hasFlag(args, "public-url") {
		cfg.PublicURL = "http://" + ln.Addr().String()
		if tlsConfig != nil {
			cfg.PublicURL = "https://" + ln.Addr().String()
		}
	}
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	profiles, err := listenProfiles(cfg.ProfileAddr)
	if err != nil {
		ln.Close()
		return err
	}
	return run(ctx, env, cfg, ln, profiles)
}

// loadTLS reads the certificate and key of a direct TLS listener (nil
// without --tls-cert). TLS 1.2 is the least version offered.
func loadTLS(cfg config.Config) (*tls.Config, error) {
	if !cfg.TLS() {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("loading --tls-cert and --tls-key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// configError maps config.Parse's errors to the command's exit statuses.
func configError(err error) error {
	if errors.Is(err, config.ErrUsage) {
		return errUsage
	}
	return err
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "-"+name || a == "--"+name || strings.HasPrefix(a, "-"+name+"=") || strings.HasPrefix(a, "--"+name+"=") {
			return true
		}
	}
	return false
}

// maxHeaderBytes bounds a request's header block: the largest legitimate
// header is a holder proof or a client assertion of a few hundred bytes.
const maxHeaderBytes = 64 << 10

// httpServer is the platform's HTTP server: slow or oversized requests are
// cut off rather than held in memory.
func httpServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// run serves the platform on ln until ctx ends, then shuts down
// gracefully; and, if profiles is not nil, the runtime profiles on it.
func run(ctx context.Context, env Env, cfg config.Config, ln, profiles net.Listener) error {
	log := newLogger(env.Stderr, cfg.LogLevel, cfg.LogFormat)
	p, err := platform.Open(ctx, cfg, log, platform.Options{})
	if err != nil {
		ln.Close()
		if profiles != nil {
			profiles.Close()
		}
		return err
	}
	defer p.Close()
	if profiles != nil {
		ps := profileServer(log)
		go func() { _ = ps.Serve(profiles) }()
		// A profile being taken is cut off at shutdown, not waited for.
		defer ps.Close()
		fmt.Fprintf(env.Stdout, "runtime profiles on http://%s/debug/pprof/\n", profiles.Addr())
	}
	srv := httpServer(p.Handler, log)
	db := "SQLite " + cfg.SQLitePath()
	if cfg.Postgres() {
		db = "PostgreSQL"
	}
	mode := ""
	if cfg.Dev {
		mode = " in development mode (dev authorities are running and trusted)"
	}
	fmt.Fprintf(env.Stdout, "netid listening on %s (%s, data %s)%s\n", cfg.PublicURL, db, cfg.DataDir, mode)
	fmt.Fprintf(env.Stdout, "web wallet: %s/wallet\n", strings.TrimSuffix(cfg.PublicURL, "/"))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
