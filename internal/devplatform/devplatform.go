package devplatform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/pgschema"
	"github.com/netid-project/netid/internal/platform"
)

// Options say where a development platform keeps its data.
type Options struct {
	// DataDir is the data directory (created if missing).
	DataDir string
	// DB is empty for SQLite in DataDir, or a postgres:// DSN: the
	// platform then works in a new schema of that database.
	DB string
	// Log receives the platform's warnings and errors (nil: discarded).
	Log io.Writer
	// CryptoSuite is the platform's crypto suite, "es256" or "sm"
	// (docs/sm-profile.md); empty is es256.
	CryptoSuite string
}

// Server is a development platform served on a loopback port.
type Server struct {
	// URL is the platform's base URL, http://127.0.0.1:PORT.
	URL      string
	Platform *platform.Platform
	srv      *http.Server
	done     chan error
	// dropSchema removes the PostgreSQL schema made for this run.
	dropSchema func() error
}

// Start assembles a development platform and serves it until Close.
func Start(ctx context.Context, o Options) (*Server, error) {
	cfg, err := config.Parse("netid", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg.Dev = true
	if o.CryptoSuite != "" {
		cfg.CryptoSuite = o.CryptoSuite
	}
	cfg.DataDir = o.DataDir
	cfg.MasterKeyFile = filepath.Join(o.DataDir, "master.key")
	cfg.TrustDir = filepath.Join(o.DataDir, "trust")
	db := o.DB
	var dropSchema func() error
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		// The platform's keys are sealed with this run's fresh master key,
		// so it gets a schema of its own: a run can be repeated again and
		// again on one database, next to anything else in it.
		if db, dropSchema, err = pgschema.Create(ctx, db, "netid_run"); err != nil {
			ln.Close()
			return nil, err
		}
	}
	cfg.DB = db
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + ln.Addr().String()
	cfg.LogLevel = "warn"
	// One client on loopback, as one relying party, drives the whole platform.
	cfg.RateLimit, cfg.ClientRateLimit = 0, 0
	logOut := o.Log
	if logOut == nil {
		logOut = io.Discard
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p, err := platform.Open(ctx, cfg, log, platform.Options{})
	if err != nil {
		ln.Close()
		if dropSchema != nil {
			_ = dropSchema()
		}
		return nil, err
	}
	s := &Server{URL: cfg.PublicURL, Platform: p, done: make(chan error, 1), dropSchema: dropSchema}
	s.srv = &http.Server{Handler: p.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops serving, closes the platform and drops its PostgreSQL
// schema.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	err = errors.Join(err, s.Platform.Close())
	if s.dropSchema != nil {
		err = errors.Join(err, s.dropSchema())
	}
	return err
}

// Describe says where the platform runs: its URL and database.
func (s *Server) Describe() string {
	if s.Platform.Config.Postgres() {
		return fmt.Sprintf("%s on PostgreSQL", s.URL)
	}
	return fmt.Sprintf("%s on SQLite", s.URL)
}
