package audit_test

import (
	"context"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/netid-project/netid/internal/audit"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/storage/sqlstore"
)

// BenchmarkAppendPostgres appends to PostgreSQL (NETID_TEST_POSTGRES_DSN),
// each record in its own transaction with its tree nodes and signed tree
// head: "serial" one append at a time, "parallel" from 8 goroutines per
// core at once, all waiting for the log's tail, whose hold (the round
// trips of the statements run under it, and the commit) bounds one log's
// appends per second whatever the concurrency. The "rtt=" cases put a
// network between the platform and the database, a proxy on loopback
// that delays every byte by half the round-trip time each way (Go's
// timers here wake about a millisecond late at the least, so the round
// trip is what the benchmark reports as rtt-ms, measured), since a
// deployed database is a network hop away and each statement under the
// tail's lock then costs a round trip.
func BenchmarkAppendPostgres(b *testing.B) {
	dsn := postgresSchema(b)
	for _, rtt := range []time.Duration{0, 2 * time.Millisecond} {
		name := "loopback"
		if rtt > 0 {
			name = "rtt=" + rtt.String()
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			d := dsn
			if rtt > 0 {
				d = delayedDSN(b, dsn, rtt/2)
			}
			measured := roundTrip(b, d)
			store, err := sqlstore.OpenPostgres(ctx, d)
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			l := &audit.Log{Store: store, Keys: newPlatformKey(b)}
			r := storage.Record{PersonID: "person-1", RPID: "rp-1", RPName: "示例平台", Channel: "session", Level: "possession", Provided: []string{"age_over_18"}, Outcome: "approved"}
			b.Run("serial", func(b *testing.B) {
				for b.Loop() {
					if _, err := l.Append(ctx, r); err != nil {
						b.Fatal(err)
					}
				}
				reportAppends(b, measured)
			})
			b.Run("parallel", func(b *testing.B) {
				b.SetParallelism(8)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := l.Append(ctx, r); err != nil {
							b.Error(err)
							return
						}
					}
				})
				reportAppends(b, measured)
			})
		})
	}
}

// reportAppends reports the appends per second the benchmark made and
// the round trip to the database measured before it.
func reportAppends(b *testing.B, rtt time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	b.ReportMetric(float64(rtt.Microseconds())/1000, "rtt-ms")
}

// roundTrip is the mean time of a SELECT 1 on a connection to dsn.
func roundTrip(tb testing.TB, dsn string) time.Duration {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	const n = 50
	start := time.Now()
	for range n {
		if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
			tb.Fatal(err)
		}
	}
	return time.Since(start) / n
}

// delayedDSN returns dsn with its host replaced by a proxy on loopback
// that forwards to it, delaying everything by oneWay in each direction.
func delayedDSN(tb testing.TB, dsn string, oneWay time.Duration) string {
	tb.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	target := u.Host
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	tb.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Go(func() { delayCopy(s, c, oneWay) })
			wg.Go(func() { delayCopy(c, s, oneWay) })
		}
	})
	u.Host = ln.Addr().String()
	return u.String()
}

// delayCopy copies src to dst, each chunk written oneWay after it was
// read, in order; it closes both when either side ends.
func delayCopy(dst, src net.Conn, oneWay time.Duration) {
	type chunk struct {
		due  time.Time
		data []byte
	}
	q := make(chan chunk, 1024)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{time.Now().Add(oneWay), buf[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.data); err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
	for range q { // let the reader end
	}
}
