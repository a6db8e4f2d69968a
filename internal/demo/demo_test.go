package demo

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("NETID_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("NETID_TEST_POSTGRES_DSN not set: skipping PostgreSQL tests")
	}
	return dsn
}

func TestRun(t *testing.T) {
	for name, db := range map[string]func(t *testing.T) string{
		"sqlite":   func(*testing.T) string { return "" },
		"postgres": postgresDSN,
	} {
		for _, st := range []struct {
			name string
			want []string
		}{
			{"es256", []string{
				"issuer ES256, digests sha-256, key binding ES256",
				"(client assertions ES256), approved by the wallet at level password (holder proofs ES256), result signed ES256 and verified by the SDK: age_over_18=true",
				"ID token ES256 verified with the platform's JWKS, at_hash SHA-256, acr urn:netid:acr:password",
				"9. eID online code (device key ES256) checked by the platform for a hotel: VALID",
				"10. eID offline code (issuer ES256, digests sha-256, key binding ES256) verified with keys and status list only: VALID",
			}},
			{"sm", []string{
				"issuer SM2, digests sm3, key binding SM2",
				"(client assertions SM2), approved by the wallet at level password (holder proofs SM2), result signed SM2 and verified by the SDK: age_over_18=true",
				"ID token SM2 verified with the platform's JWKS, at_hash SM3, acr urn:netid:acr:password",
				"9. eID online code (device key SM2) checked by the platform for a hotel: VALID",
				"10. eID offline code (issuer SM2, digests sm3, key binding SM2) verified with keys and status list only: VALID",
			}},
		} {
			t.Run(name+"/"+st.name, func(t *testing.T) {
				run(t, Options{DB: db(t), CryptoSuite: st.name}, st.want...)
			})
		}
	}
}

// run runs the demo with o and checks that its output holds want besides
// the steps of every run.
func run(t *testing.T, o Options, want ...string) {
	t.Helper()
	var out, log bytes.Buffer
	o.Out, o.Log = &out, &log
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("%v:\n%s\n%s", err, out.String(), log.String())
	}
	for _, w := range append([]string{"网号 ", "5. verified offline: VALID", "disclosed [age_over_18=true]", "replayed: refused",
		"7. session created with the rp SDK (client assertions ",
		"8. OpenID Connect login (authorization code, PKCE S256) approved by the wallet",
		"given name_masked, number_partial, photo, age_over_18", "scanned again: refused"}, want...) {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	if regexp.MustCompile(`[0-9]{17}[0-9X]`).MatchString(out.String() + log.String()) {
		t.Error("output shows a full document number")
	}
}
