package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
)

// devPlatform is an in-process development platform on a loopback port,
// for demo and load.
type devPlatform struct {
	URL      string
	Platform *platform.Platform
	srv      *http.Server
	done     chan error
	// dropSchema removes the PostgreSQL schema made for this run.
	dropSchema func()
}

func startDevPlatform(ctx context.Context, env Env, dataDir, db string) (*devPlatform, error) {
	cfg, err := config.Parse("netid", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg.Dev = true
	cfg.DataDir = dataDir
	cfg.MasterKeyFile = filepath.Join(dataDir, "master.key")
	cfg.TrustDir = filepath.Join(dataDir, "trust")
	var dropSchema func()
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		// The platform's keys are sealed with this run's fresh master key,
		// so it gets a schema of its own: the demo can run again and again
		// on one database, next to anything else in it.
		if db, dropSchema, err = freshSchema(ctx, db); err != nil {
			ln.Close()
			return nil, err
		}
	}
	cfg.DB = db
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + ln.Addr().String()
	cfg.LogLevel = "warn"
	cfg.RateLimit = 0 // one client on loopback drives the whole platform
	p, err := platform.Open(ctx, cfg, newLogger(env.Stderr, "warn", "text"), platform.Options{})
	if err != nil {
		ln.Close()
		if dropSchema != nil {
			dropSchema()
		}
		return nil, err
	}
	d := &devPlatform{URL: cfg.PublicURL, Platform: p, done: make(chan error, 1), dropSchema: dropSchema}
	d.srv = &http.Server{Handler: p.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { d.done <- d.srv.Serve(ln) }()
	return d, nil
}

func (d *devPlatform) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := d.srv.Shutdown(ctx)
	if serr := <-d.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	err = errors.Join(err, d.Platform.Close())
	if d.dropSchema != nil {
		d.dropSchema()
	}
	return err
}

// freshSchema creates a schema of its own for one run in the database dsn
// names, and returns a DSN that uses it and a function that drops it.
func freshSchema(ctx context.Context, dsn string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	schema := "netid_run_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("creating a schema for this run: %w", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, dsn); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	}
	return u.String(), drop, nil
}

func (d *devPlatform) describe() string {
	if d.Platform.Config.Postgres() {
		return fmt.Sprintf("%s on PostgreSQL", d.URL)
	}
	return fmt.Sprintf("%s on SQLite", d.URL)
}
