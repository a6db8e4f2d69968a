package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"time"

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
	cfg.DB = db
	cfg.Addr = ln.Addr().String()
	cfg.PublicURL = "http://" + ln.Addr().String()
	cfg.LogLevel = "warn"
	cfg.RateLimit = 0 // one client on loopback drives the whole platform
	p, err := platform.Open(ctx, cfg, newLogger(env.Stderr, "warn", "text"), platform.Options{})
	if err != nil {
		ln.Close()
		return nil, err
	}
	d := &devPlatform{URL: cfg.PublicURL, Platform: p, done: make(chan error, 1)}
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
	return errors.Join(err, d.Platform.Close())
}

func (d *devPlatform) describe() string {
	if d.Platform.Config.Postgres() {
		return fmt.Sprintf("%s on PostgreSQL", d.URL)
	}
	return fmt.Sprintf("%s on SQLite", d.URL)
}
