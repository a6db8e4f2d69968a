package loadgen

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/cputime"
	"github.com/netid-project/netid/internal/devplatform"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/password"
	"github.com/netid-project/netid/internal/wallet"
)

// Bounds of Apply.
const (
	maxApplyN    = 100000
	maxApplyConc = 256
)

// holderPassword is the credential password of every holder a run sets
// up.
const holderPassword = "27418596"

// ApplyOptions configure Apply.
type ApplyOptions struct {
	// Server is the base URL of a running development platform on this
	// machine (netid serve --dev); empty starts one in-process on DB.
	Server string
	// DB is the in-process platform's database: empty for SQLite in a
	// temporary directory, or a postgres:// DSN (a schema of its own).
	DB string
	// CryptoSuite is the in-process platform's crypto suite, "es256"
	// (empty: the default) or "sm"; the wallets' keys follow the suite the
	// platform publishes. A running server (Server) has its own.
	CryptoSuite string
	// N applications, Concurrency at a time.
	N, Concurrency int
	// LimitTime is how long the argon2id limit is measured before the
	// run and again after it, each time after half as long of untimed
	// hashing; 0 skips the measurement.
	LimitTime time.Duration
	// Out receives the progress and the figures; Log the in-process
	// platform's warnings (nil: discarded).
	Out, Log io.Writer
}

// Apply measures complete applications per second: each one is every
// step of the flow over HTTP (start, chip verification, face, SMS code,
// password, device key, issuance) against a development platform. Test
// documents are minted before the clock starts; wallets are sealed with
// cheap KDF parameters, so the figures are the platform's, not the wallet
// device's.
//
// Each application hashes its credential password once with argon2id at
// the production parameters, deliberately slow, so the machine's argon2id
// limit bounds the rate: with LimitTime, Apply measures it in the same
// run, as many hashers as cores before the applications and again after
// them, and prints the rate as a share of it, and the CPU time of an
// application (client and in-process platform) against that of one hash.
func Apply(ctx context.Context, o ApplyOptions) error {
	if o.N < 1 || o.N > maxApplyN || o.Concurrency < 1 || o.Concurrency > maxApplyConc {
		return fmt.Errorf("%w: -n must be 1 to %d and -c 1 to %d", ErrOptions, maxApplyN, maxApplyConc)
	}
	if o.LimitTime < 0 || o.LimitTime > maxLimitTime {
		return fmt.Errorf("%w: --limit-time must be 0 to %s", ErrOptions, maxLimitTime)
	}
	if err := checkSuiteOption(o.CryptoSuite, o.Server); err != nil {
		return err
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	tmp, err := os.MkdirTemp("", "netid-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	url, where := strings.TrimSuffix(o.Server, "/"), o.Server
	if url == "" {
		dp, err := devplatform.Start(ctx, devplatform.Options{DataDir: filepath.Join(tmp, "data"), DB: o.DB, CryptoSuite: o.CryptoSuite, Log: o.Log})
		if err != nil {
			return err
		}
		defer dp.Close()
		url, where = dp.URL, "in-process platform at "+dp.Describe()
	}
	// Connections kept for every concurrent application: the default
	// transport keeps two, so above -c 2 most requests would open a new
	// one.
	transport := &http.Transport{MaxIdleConnsPerHost: 2*o.Concurrency + 4, IdleConnTimeout: 30 * time.Second}
	defer transport.CloseIdleConnections()
	c := &wallet.Client{BaseURL: url, HTTP: &http.Client{Timeout: loadRequestTimeout, Transport: transport}}
	client, err := clientDir()
	if err != nil {
		return err
	}
	defer os.RemoveAll(client)
	st, err := c.Suite(ctx)
	if err != nil {
		return fmt.Errorf("the platform's crypto suite: %w", err)
	}
	where += ", crypto suite " + string(st.Name())
	fmt.Fprintf(out, "minting %d test documents…\n", o.N)
	docs, phones, err := mintDocuments(ctx, c, client, o.N)
	if err != nil {
		return err
	}
	params, hashers := password.DefaultParams, runtime.NumCPU()
	var limits []hashLimit
	measureLimit := func(when string) error {
		if o.LimitTime == 0 {
			return nil
		}
		h, err := measureHashLimit(ctx, params, hashers, o.LimitTime)
		if err != nil {
			return fmt.Errorf("measuring the argon2id limit: %w", err)
		}
		printLimit(out, when, params, h)
		limits = append(limits, h)
		return nil
	}
	if err := measureLimit("before the run"); err != nil {
		return err
	}
	fmt.Fprintf(out, "running %d applications, %d at a time, against the %s\n", o.N, o.Concurrency, where)
	lat := make([]time.Duration, o.N)
	var failures atomic.Int64
	var firstErr error
	var errOnce sync.Once
	next := atomic.Int64{}
	cpu0, cpuOK0 := cputime.Process()
	faults0, faultsOK0 := cputime.PageFaults()
	h0 := readHeapAllocs()
	start := time.Now()
	var wg sync.WaitGroup
	for range o.Concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= o.N || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				err := applyOne(ctx, c, filepath.Join(client, "wallets", fmt.Sprint(i)), docs[i], phones[i])
				lat[i] = time.Since(t0)
				if err != nil {
					failures.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1, cpuOK1 := cputime.Process()
	faults1, faultsOK1 := cputime.PageFaults()
	h1 := readHeapAllocs()
	slices.Sort(lat)
	ok := int64(o.N) - failures.Load()
	rate := float64(ok) / elapsed.Seconds()
	fmt.Fprintf(out, "%d applications in %.2fs: %.1f applications/s (%.1f per core, %d cores shared by client and server)\n",
		ok, elapsed.Seconds(), rate, rate/float64(runtime.NumCPU()), runtime.NumCPU())
	fmt.Fprintf(out, "latency per application: p50 %s, p99 %s, max %s\n",
		pct(lat, 0.50), pct(lat, 0.99), lat[len(lat)-1].Round(time.Millisecond))
	if failures.Load() > 0 {
		return fmt.Errorf("%d applications failed; the first: %w", failures.Load(), firstErr)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := measureLimit("after the run"); err != nil {
		return err
	}
	var cpuPerApp time.Duration
	if cpuOK0 && cpuOK1 && ok > 0 {
		cpuPerApp = (cpu1 - cpu0) / time.Duration(ok)
	}
	printAgainstLimit(out, rate, cpuPerApp, o.Server != "", limits)
	if faultsOK0 && faultsOK1 && ok > 0 {
		printFaults(out, float64(faults1-faults0)/float64(ok), o.Server != "")
	}
	// Each hash's 19 MiB is one object of these.
	fmt.Fprintf(out, "heap allocations per application: %s (%s)\n", h1.per(h0, int(ok)), applyWhose(o.Server != ""))
	return nil
}

// printAgainstLimit prints the applications per second as a share of the
// argon2id limit (the mean of its measurements), and the CPU time of one
// application against that of one hash: cpuPerApp is the process's,
// client and in-process platform, or the client's alone when the platform
// runs elsewhere (remote), and 0 if unknown.
func printAgainstLimit(out io.Writer, rate float64, cpuPerApp time.Duration, remote bool, limits []hashLimit) {
	if len(limits) == 0 {
		return
	}
	var hashes int
	var elapsed, cpu time.Duration
	cpuOK := true
	for _, h := range limits {
		hashes += h.hashes
		elapsed += h.elapsed
		cpu += h.cpu
		cpuOK = cpuOK && h.cpuOK
	}
	limit := float64(hashes) / elapsed.Seconds()
	fmt.Fprintf(out, "applications against the argon2id limit: %.1f%% of the argon2id limit (%.1f applications/s, %.1f hashes/s)\n",
		100*rate/limit, rate, limit)
	if !cpuOK || cpuPerApp == 0 {
		return
	}
	perHash := cpu / time.Duration(hashes)
	if remote {
		fmt.Fprintf(out, "CPU per application of the load generator alone (the platform runs in another process): %s; of one hash: %s\n",
			ms(cpuPerApp), ms(perHash))
		return
	}
	fmt.Fprintf(out, "CPU per application: %s (client and platform) = %.2f × the CPU of one hash (%s); the hash is %.1f%% of it\n",
		ms(cpuPerApp), float64(cpuPerApp)/float64(perHash), ms(perHash), 100*float64(perHash)/float64(cpuPerApp))
}

// printFaults prints the minor page faults per application: the
// process's, client and in-process platform, or the client's alone when
// the platform runs elsewhere (remote). Each argon2id hash allocates its
// memory afresh (19 MiB at password.DefaultParams); where the Go runtime
// has handed that memory back to the system between hashes, every page
// of it faults in again, zeroed, and the figure rises by up to the hash's
// memory in pages (4,864 pages of 4 KiB) a hash.
func printFaults(out io.Writer, perApp float64, remote bool) {
	fmt.Fprintf(out, "page faults per application: %.1f (minor, %s)\n", perApp, applyWhose(remote))
}

// applyWhose says whose work a figure of the process counts: client and
// in-process platform, or the load generator alone when the platform runs
// elsewhere (remote).
func applyWhose(remote bool) string {
	if remote {
		return "the load generator alone"
	}
	return "client and platform"
}

// clientDir makes the directory of the load's documents and wallets: in
// memory (/dev/shm) where the system has it, so that the wallets' file
// writes and syncs, a phone's work and not the platform's, take no disk
// time from the run; elsewhere a temporary directory. The platform's
// database stays on disk.
func clientDir() (string, error) {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "netid-load-"); err == nil {
			return dir, nil
		}
	}
	return os.MkdirTemp("", "netid-load-client-")
}

// mintDocuments mints n adult test documents with the dev document
// authority into files in dir, and draws n mobile numbers.
func mintDocuments(ctx context.Context, c *wallet.Client, dir string, n int) (docs, phones []string, err error) {
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

// applyOne applies for a credential with the wallet in dir, with the
// holders' password and a wallet sealed with cheap KDF parameters.
func applyOne(ctx context.Context, c *wallet.Client, dir, doc, phone string) error {
	_, err := wallet.Apply(ctx, c, wallet.ApplyOptions{
		Server: c.BaseURL, Dir: dir, DocumentPath: doc, Phone: phone,
		Prompter: wallet.PromptFuncs{SecretFunc: wallet.OneSecret(holderPassword), CodeFunc: wallet.DevCode(c)},
		Liveness: wallet.DevLiveness(c),
		KDF:      wallet.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1},
	})
	return err
}

// pct is the q quantile of sorted durations.
func pct(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i].Round(100 * time.Microsecond)
}

// sexOf is the sex a resident ID number encodes (its 17th digit).
func sexOf(number string) document.Sex {
	if (number[16]-'0')%2 == 1 {
		return document.Male
	}
	return document.Female
}
