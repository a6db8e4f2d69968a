package platform

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/lifecycle"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/suite"
	"github.com/netid-project/netid/internal/verifierdevice"
)

// ErrNoData is returned by OpenCore without CoreOptions.Create when the
// data directory holds no netid database or no master key: a mistyped
// --data or --db, or a directory the platform never started in. Nothing
// was created. The message names what is missing.
var ErrNoData = errors.New("no netid data")

// Core is the part of a platform that works on a data directory without
// serving: the database, the sealer and blind indexer keyed by the master
// key, the signing keys, the record log, the register of relying parties
// and the operator's credential actions. The operator's commands (netid
// admin …) open it with OpenCore; Open builds the serving platform on it.
type Core struct {
	Config  config.Config
	Store   storage.Storage
	Sealer  *keys.Sealer
	Indexer *keys.Indexer
	Keys    *keys.KeySet
	// Records is the record log (核验记录), signed with Keys.
	Records  *audit.Log
	Registry *relyingparty.Registry
	// Lifecycle carries out an operator's credential status actions and
	// records them in Records. It has no status cache to drop: a running
	// server's status list shows the change within its time-to-live.
	Lifecycle *lifecycle.Service
	// Verifiers are the in-person verifiers' terminals (enrolment codes
	// under the index key).
	Verifiers *verifierdevice.Service
}

// CoreOptions say how OpenCore treats a data directory.
type CoreOptions struct {
	// Create makes what a new data directory lacks: the directory, the
	// database (SQLite) or its tables (PostgreSQL), the master key and the
	// first signing key. netid serve does, on its first start. Without
	// Create, OpenCore creates nothing and refuses, with ErrNoData, a data
	// directory without its database or master key, and a database that
	// holds no signing key (one the platform never started on).
	Create bool
	// DatabaseOnly opens the database alone, for commands that read only
	// public data (the audit of the record log checks the signed heads with
	// the public keys): the master key is neither read nor required, and
	// Sealer, Indexer, Keys, Records and Lifecycle are nil.
	DatabaseOnly bool
	// Now replaces the clock.
	Now func() time.Time
	// KeyPropagation is the signing keys' keys.KeySet.Propagation: a
	// serving platform sets it, so that a rotated key is in every
	// replica's JWKS before any replica signs with it.
	KeyPropagation time.Duration
	// Suite is the crypto suite. The first start records it in the
	// database, and data recorded under the other suite is refused
	// (keys.ErrSuite). Unset, it is ES256 with Create, and the recorded
	// suite without (a tool opening existing data).
	Suite suite.Suite
}

// OpenCore opens the core of the platform on the data directory and
// database cfg names. Close releases it.
func OpenCore(ctx context.Context, cfg config.Config, opt CoreOptions) (_ *Core, err error) {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	if opt.Create {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("creating the data directory: %w", err)
		}
	} else if err := checkData(cfg, !opt.DatabaseOnly); err != nil {
		return nil, err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			store.Close()
		}
	}()
	c := &Core{
		Config:   cfg,
		Store:    store,
		Registry: &relyingparty.Registry{Store: store, Now: now},
	}
	if !opt.Create {
		// A database the platform started on holds its signing keys; an
		// empty one (a PostgreSQL DSN naming the wrong database or schema)
		// does not.
		list, err := store.ListSigningKeys(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the signing keys: %w", err)
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("%w in %s: it holds no signing key; netid serve creates them on its first start", ErrNoData, databaseName(cfg))
		}
	}
	if opt.DatabaseOnly {
		return c, nil
	}
	var master []byte
	if opt.Create {
		master, err = keys.LoadOrCreateMasterKey(cfg.MasterKeyFile, rand.Reader)
	} else {
		master, err = keys.LoadMasterKey(cfg.MasterKeyFile)
	}
	if err != nil {
		return nil, err
	}
	st, err := dataSuite(ctx, store, opt.Suite, opt.Create)
	if err != nil {
		return nil, err
	}
	if c.Sealer, err = keys.NewSealerFor(st, keys.SealingKEK(st, master), rand.Reader); err != nil {
		return nil, err
	}
	c.Indexer = keys.NewIndexerFor(st, keys.IndexKey(st, master))
	c.Registry.MAC = c.Indexer.MAC
	c.Registry.Suite = st
	c.Keys = keys.NewKeySetFor(st, store, c.Sealer, rand.Reader)
	c.Keys.Propagation = opt.KeyPropagation
	if err := c.Keys.Load(ctx, now()); err != nil {
		return nil, fmt.Errorf("loading signing keys: %w", err)
	}
	c.Records = &audit.Log{Store: store, Keys: c.Keys, Now: now}
	c.Verifiers = &verifierdevice.Service{Suite: st, Store: store, MAC: c.Indexer.MAC, Issuer: cfg.PublicURL, Now: now}
	c.Lifecycle = &lifecycle.Service{Store: store, Sealer: c.Sealer, Index: c.Indexer, Records: c.Records, Now: now}
	return c, nil
}

// Close closes the database.
func (c *Core) Close() error { return c.Store.Close() }

// checkData reports, as one ErrNoData, what of a data directory is
// missing: its SQLite database and, if masterKey, its master key.
func checkData(cfg config.Config, masterKey bool) error {
	var missing []string
	if !cfg.Postgres() && !exists(cfg.SQLitePath()) {
		missing = append(missing, "no database ("+cfg.SQLitePath()+")")
	}
	if masterKey && !exists(cfg.MasterKeyFile) {
		missing = append(missing, "no master key ("+cfg.MasterKeyFile+")")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%w in %s: %s; netid serve creates them on its first start (check --data and --db)",
		ErrNoData, cfg.DataDir, strings.Join(missing, ", "))
}

// exists reports whether path names something; an error other than "does
// not exist" (a permission) counts as existing, for opening to report it.
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

func databaseName(cfg config.Config) string {
	if cfg.Postgres() {
		return "the PostgreSQL database"
	}
	return filepath.Clean(cfg.SQLitePath())
}
