package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/suite"
)

// netid counter keygen makes a key of the suite asked for: its public JWK
// on stdout, its private key in a file readCounterKey reads back and signs
// in that suite's algorithm with.
func TestCounterKeygenSuite(t *testing.T) {
	for _, st := range suite.All() {
		t.Run(st.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "desk.key")
			code, stdout, stderr := runCLI(t, "", nil, "counter", "keygen", "--crypto-suite", st.String(), "--out", out)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			_, pub, err := st.ParsePublicJWK([]byte(strings.TrimSpace(stdout)))
			if err != nil {
				t.Fatalf("public key %s: %v", stdout, err)
			}
			if strings.Contains(stdout, `"d"`) || !strings.Contains(stdout, `"alg":"`+string(st.SignatureAlgorithm())+`"`) {
				t.Fatalf("public key %s", stdout)
			}
			key, err := readCounterKey(out)
			if err != nil {
				t.Fatal(err)
			}
			if !key.PublicKey.Equal(pub) {
				t.Fatal("the private key file holds another key")
			}
			tok, err := jws.Sign(key, "t", "", []byte(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := jws.Verify(tok, jws.Expect{Typ: "t", Algorithms: st.Algorithms(), Keys: jws.PublicKey(pub)}); err != nil {
				t.Fatalf("the key does not sign %s: %v", st.SignatureAlgorithm(), err)
			}
		})
	}
	if code, _, _ := runCLI(t, "", nil, "counter", "keygen", "--crypto-suite", "rsa", "--out", filepath.Join(t.TempDir(), "k")); code != 2 {
		t.Errorf("--crypto-suite rsa: exit %d, want 2", code)
	}
}
