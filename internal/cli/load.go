package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/wallet"
)

// load runs a load measurement: "netid load apply" (also plain "netid
// load", as before subcommands existed) or "netid load verify"
// (loadverify.go).
func load(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "apply":
			return loadApply(ctx, env, args[1:])
		case "verify":
			return loadVerify(ctx, env, args[1:])
		case "help":
			fmt.Fprintln(env.Stderr, "usage: netid load [apply|verify] [flags]")
			return errUsage
		}
		if !strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(env.Stderr, "netid load: unknown command %q (apply or verify)\n", args[0])
			return errUsage
		}
	}
	return loadApply(ctx, env, args)
}

// loadApply measures complete applications per second: each one is every
// step of the flow over HTTP (start, chip verification, face, SMS code,
// password, device key, issuance) against a development platform,
// in-process or running (--server). Test documents are minted before the
// clock starts; wallets are sealed with cheap KDF parameters, so the
// figures are the platform's, not the wallet device's.
func loadApply(ctx context.Context, env Env, args []string) error {
	fs := flags(env, "load apply")
	db := fs.String("db", env.Getenv("NETID_DB"), "database of the in-process platform: empty for SQLite in a temporary directory, or postgres://…")
	server := fs.String("server", "", "load a running development server instead (netid serve --dev)")
	n := fs.Int("n", 100, "number of applications")
	conc := fs.Int("c", 4, "concurrent applications")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n < 1 || *n > 100000 || *conc < 1 || *conc > 256 {
		return errors.New("-n must be 1 to 100000 and -c 1 to 256")
	}
	tmp, err := os.MkdirTemp("", "netid-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	url, where := *server, *server
	if url == "" {
		dp, err := startDevPlatform(ctx, env, filepath.Join(tmp, "data"), *db)
		if err != nil {
			return err
		}
		defer dp.Close()
		url, where = dp.URL, "in-process platform at "+dp.describe()
	}
	c := client(url)
	fmt.Fprintf(env.Stdout, "minting %d test documents…\n", *n)
	docs, phones, err := mintLoadDocuments(ctx, c, tmp, *n)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "running %d applications, %d at a time, against the %s\n", *n, *conc, where)
	lat := make([]time.Duration, *n)
	var failures atomic.Int64
	var firstErr error
	var errOnce sync.Once
	next := atomic.Int64{}
	start := time.Now()
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= *n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				err := loadApplyOne(ctx, c, url, filepath.Join(tmp, "wallets", fmt.Sprint(i)), docs[i], phones[i])
				lat[i] = time.Since(t0)
				if err != nil {
					failures.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	ok := int64(*n) - failures.Load()
	rate := float64(ok) / elapsed.Seconds()
	fmt.Fprintf(env.Stdout, "%d applications in %.2fs: %.1f applications/s (%.1f per core, %d cores shared by client and server)\n",
		ok, elapsed.Seconds(), rate, rate/float64(runtime.NumCPU()), runtime.NumCPU())
	fmt.Fprintf(env.Stdout, "latency per application: p50 %s, p99 %s, max %s\n",
		pct(lat, 0.50), pct(lat, 0.99), lat[len(lat)-1].Round(time.Millisecond))
	if failures.Load() > 0 {
		return fmt.Errorf("%d applications failed; the first: %w", failures.Load(), firstErr)
	}
	return nil
}

// mintLoadDocuments mints n adult test documents with the dev document
// authority into files in dir, and draws n mobile numbers.
func mintLoadDocuments(ctx context.Context, c *wallet.Client, dir string, n int) (docs, phones []string, err error) {
	docs = make([]string, n)
	phones = make([]string, n)
	base, err := rand.Int(rand.Reader, big.NewInt(90000000))
	if err != nil {
		return nil, nil, err
	}
	today := document.Today(time.Now())
	for i := range docs {
		birth := document.Date{Year: 1950 + i%50, Month: time.Month(1 + i%12), Day: 1 + i%28}
		number, err := document.MakeNumber18("310104", birth, 1+(int(base.Int64())+i)%999)
		if err != nil {
			return nil, nil, err
		}
		id := document.Identity{
			Type: document.ResidentIDCard, Number: number, Name: fmt.Sprintf("负载%d", i), Sex: sexOf(number),
			Birth: birth, IssuingAuthority: "上海市公安局徐汇分局",
			ValidFrom: document.Date{Year: today.Year - 1, Month: 1, Day: 1}, ValidUntil: document.Date{Year: today.Year + 9, Month: 1, Day: 1},
		}
		b, err := c.DevMintDocument(ctx, api.MintRequest{Identity: id})
		if err != nil {
			return nil, nil, fmt.Errorf("minting: %w", err)
		}
		docs[i] = filepath.Join(dir, fmt.Sprintf("doc-%d.json", i))
		if err := os.WriteFile(docs[i], b, 0o600); err != nil {
			return nil, nil, err
		}
		phones[i] = fmt.Sprintf("137%08d", (base.Int64()+int64(i))%100000000)
	}
	return docs, phones, nil
}

// loadApplyOne applies for a credential with the wallet in dir, with the
// demo password and a wallet sealed with cheap KDF parameters.
func loadApplyOne(ctx context.Context, c *wallet.Client, server, dir, doc, phone string) error {
	_, err := wallet.Apply(ctx, c, wallet.ApplyOptions{
		Server: server, Dir: dir, DocumentPath: doc, Phone: phone,
		Password: func() (string, error) { return demoPassword, nil },
		Code:     wallet.DevCode(c), Liveness: wallet.DevLiveness(c),
		KDF: wallet.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1},
	})
	return err
}

func pct(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i].Round(100 * time.Microsecond)
}

func sexOf(number string) document.Sex {
	if (number[16]-'0')%2 == 1 {
		return document.Male
	}
	return document.Female
}
