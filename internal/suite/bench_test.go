package suite_test

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/cputime"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/keys"
	"github.com/netid-project/netid/internal/suite"
)

// BenchmarkSideBySide runs each operation of the two suites alternately in
// blocks of 32 inside one benchmark loop, and reports the process's CPU
// time per operation of each suite (es256-cpu-ns/op, sm-cpu-ns/op) and
// their ratio. CPU time, unlike wall time, is not inflated by other
// processes' load, and the alternation puts both suites under the same
// conditions. One iteration is a block of each suite (32 signatures, 512
// of the cheaper operations), so ns/op is that pair of blocks' wall time.
//
// The operations: a compact JWS signed and verified through package jws
// (ES256 against SM2), a 1 KiB record sealed and opened (the AES-256-GCM
// against the SM4-GCM envelope of package keys), a blind index
// (HMAC-SHA256 against HMAC-SM3).
func BenchmarkSideBySide(b *testing.B) {
	payload := []byte(`{"iss":"https://netid.example","sub":"wh_0123456789abcdef","iat":1764000000,"exp":1764003600,"nonce":"n-0S6_WzA2Mj"}`)
	record := make([]byte, 1024)
	aad := []byte("person:p1:identity")
	master := make([]byte, 32)
	rand.Read(master)
	ops := map[string][2]func(b *testing.B){}
	for i, s := range suite.All() {
		key, err := s.GenerateSigningKey(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		tok, err := jws.Sign(key, "netid-bench+jwt", "k", payload)
		if err != nil {
			b.Fatal(err)
		}
		expect := jws.Expect{Typ: "netid-bench+jwt", Algorithms: s.Algorithms(), Keys: jws.PublicKey(key.Public())}
		sealer, err := keys.NewSealerFor(s, keys.SealingKEK(s, master), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		sealed, _ := sealer.Seal(record, aad)
		idx := keys.NewIndexerFor(s, keys.IndexKey(s, master))
		set := func(name string, f func(b *testing.B)) {
			pair := ops[name]
			pair[i] = f
			ops[name] = pair
		}
		set("jws-sign", func(b *testing.B) {
			if _, err := jws.Sign(key, "netid-bench+jwt", "k", payload); err != nil {
				b.Fatal(err)
			}
		})
		set("jws-verify", func(b *testing.B) {
			if _, _, err := jws.Verify(tok, expect); err != nil {
				b.Fatal(err)
			}
		})
		set("seal-1KiB", func(b *testing.B) {
			if _, err := sealer.Seal(record, aad); err != nil {
				b.Fatal(err)
			}
		})
		set("open-1KiB", func(b *testing.B) {
			if _, err := sealer.Open(sealed, aad); err != nil {
				b.Fatal(err)
			}
		})
		set("index", func(b *testing.B) { idx.Index("phone", "+8613800000000") })
	}
	for _, name := range []string{"jws-sign", "jws-verify", "seal-1KiB", "open-1KiB", "index"} {
		pair := ops[name]
		b.Run(name, func(b *testing.B) {
			if _, ok := cputime.Process(); !ok {
				b.Skip("the process's CPU time is not read on this system")
			}
			block := 512
			if name == "jws-sign" || name == "jws-verify" {
				block = 32
			}
			var cpu [2]time.Duration
			var n [2]int
			side := 0
			for b.Loop() {
				// Each iteration is one operation of each suite; a side
				// runs a block at a time.
				for range 2 {
					t0, _ := cputime.Process()
					for range block {
						pair[side](b)
					}
					t1, _ := cputime.Process()
					cpu[side] += t1 - t0
					n[side] += block
					side = 1 - side
				}
				b.StopTimer()
				b.StartTimer()
			}
			es := float64(cpu[0]) / float64(n[0])
			sm := float64(cpu[1]) / float64(n[1])
			b.ReportMetric(es, "es256-cpu-ns/op")
			b.ReportMetric(sm, "sm-cpu-ns/op")
			b.ReportMetric(sm/es, "sm/es256")
		})
	}
}
