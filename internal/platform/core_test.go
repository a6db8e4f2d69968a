package platform_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/config"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// coreConfig is the configuration of a tool pointed at data directory dir
// and database db.
func coreConfig(t *testing.T, dir, db string) config.Config {
	t.Helper()
	args := []string{"--data", dir}
	if db != "" {
		args = append(args, "--db", db)
	}
	cfg, err := config.Parse("test", args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// entries lists what dir holds ("absent" if it does not exist).
func entries(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return []string{"absent"}
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name())
	}
	return names
}

// TestOpenCoreRefusesMissingData: without Create, a data directory that
// is empty, mistyped or half there is refused with one line naming what is
// missing, and nothing is created.
func TestOpenCoreRefusesMissingData(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	made := filepath.Join(root, "made")
	core, err := platform.OpenCore(ctx, coreConfig(t, made, ""), platform.CoreOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	core.Close()
	noKey := filepath.Join(root, "no-key")
	if err := os.MkdirAll(noKey, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(filepath.Join(made, "netid.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(noKey, "netid.db"), db, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(root, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir string
		opt       platform.CoreOptions
		want      []string
		not       string
	}{
		{"empty directory", empty, platform.CoreOptions{}, []string{"no database", "no master key", "netid serve"}, ""},
		{"mistyped directory", filepath.Join(root, "mdae"), platform.CoreOptions{}, []string{"no database", "no master key"}, ""},
		{"no master key", noKey, platform.CoreOptions{}, []string{"no master key (" + filepath.Join(noKey, "master.key") + ")"}, "no database"},
		{"database only, empty", empty, platform.CoreOptions{DatabaseOnly: true}, []string{"no database"}, "master key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := entries(t, tc.dir)
			_, err := platform.OpenCore(ctx, coreConfig(t, tc.dir, ""), tc.opt)
			if !errors.Is(err, platform.ErrNoData) {
				t.Fatalf("err = %v, want ErrNoData", err)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not say %q", msg, w)
				}
			}
			if tc.not != "" && strings.Contains(msg, tc.not) {
				t.Errorf("%q names %q, which is there", msg, tc.not)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("not one line: %q", msg)
			}
			if after := entries(t, tc.dir); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("the directory held %v and now holds %v", before, after)
			}
		})
	}
	// The database alone (for the audit) opens without the master key.
	core, err = platform.OpenCore(ctx, coreConfig(t, noKey, ""), platform.CoreOptions{DatabaseOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if core.Keys != nil || core.Records != nil || core.Registry == nil {
		t.Errorf("database only: %+v", core)
	}
	core.Close()
	if got := entries(t, noKey); strings.Join(got, ",") != "netid.db" {
		t.Errorf("opening the database alone left %v", got)
	}
}

// TestOpenCoreOnExistingData: what Create made opens again with its keys,
// and what an operator changes through the core is there for the platform.
func TestOpenCoreOnExistingData(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		ctx := context.Background()
		dir := t.TempDir()
		cfg := coreConfig(t, dir, db)
		if db != "" {
			// A database the platform never started on is refused,
			// although the data directory holds a master key.
			core, err := platform.OpenCore(ctx, coreConfig(t, dir, ""), platform.CoreOptions{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			core.Close()
			if _, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{}); !errors.Is(err, platform.ErrNoData) || !strings.Contains(err.Error(), "no signing key") {
				t.Fatalf("empty PostgreSQL database: %v", err)
			}
		}
		core, err := platform.OpenCore(ctx, cfg, platform.CoreOptions{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		_, kid := core.Keys.Signer()
		core.Close()

		core, err = platform.OpenCore(ctx, cfg, platform.CoreOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer core.Close()
		if _, again := core.Keys.Signer(); again != kid {
			t.Fatalf("signing key %s after reopening, want %s", again, kid)
		}
		if core.Sealer == nil || core.Indexer == nil || core.Records == nil || core.Lifecycle == nil || core.Registry == nil {
			t.Fatalf("incomplete core: %+v", core)
		}
		if _, _, err := core.Registry.Register(ctx, relyingparty.Registration{
			ID: "shop.example", Name: "Shop", Category: storage.CategoryInternetService,
			Domains: []string{"shop.example"}, AuthMethod: storage.AuthNone, RedirectURIs: []string{"http://localhost/cb"},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := core.Registry.Get(ctx, "shop.example"); err != nil {
			t.Fatal(err)
		}
	})
}
