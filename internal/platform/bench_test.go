package platform_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"os"
	"testing"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/password"
)

// benchBackends runs a benchmark on SQLite and, when
// NETID_TEST_POSTGRES_DSN is set, on PostgreSQL.
func benchBackends(b *testing.B, fn func(b *testing.B, db string)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, "") })
	if dsn := os.Getenv("NETID_TEST_POSTGRES_DSN"); dsn != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, freshSchema(b, dsn)) })
	}
}

// BenchmarkIssuance measures the last step of an application, 网证 issuance
// over HTTP: the device key proof, finding or creating the person and 网号,
// a status-list index, the SD-JWT VC signature and the storage transaction
// that revokes earlier credentials. The earlier steps run untimed.
func BenchmarkIssuance(b *testing.B) {
	benchBackends(b, func(b *testing.B, db string) {
		e := newEnv(b, db)
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			p := adult(b)
			a := e.start(p.identity.Type)
			v := e.through(p, a, "device")
			proof := deviceProof(b, key, e.url, v.DeviceNonce, e.clock.Now())
			b.StartTimer()
			var issued api.IssuedCredential
			must(b, e.call("POST", "/v1/applications/"+a.ID+"/credential", a.Token, map[string]any{"proof": proof}), http.StatusCreated).json(b, &issued)
		}
	})
}

// BenchmarkIssuanceBatch is BenchmarkIssuance with a batch of eight
// further keys (the default --credential-batch): nine proofs checked, nine
// random status indices and nine SD-JWT VC signatures in the transaction.
func BenchmarkIssuanceBatch(b *testing.B) {
	benchBackends(b, func(b *testing.B, db string) {
		e := newEnv(b, db)
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			p := adult(b)
			a := e.start(p.identity.Type)
			v := e.through(p, a, "device")
			b.StartTimer()
			_, r := e.issueBatch(a, v, 8)
			must(b, r, http.StatusCreated)
		}
	})
}

// BenchmarkApplication measures a complete application over HTTP, every
// step, with the production argon2id parameters for the credential
// password. (`netid-load` measures the same under concurrency.)
func BenchmarkApplication(b *testing.B) {
	benchBackends(b, func(b *testing.B, db string) {
		e := newEnv(b, db)
		e.p.Proofing.PasswordParams = password.DefaultParams
		b.ResetTimer()
		for range b.N {
			e.apply(adult(b))
		}
	})
}
