package cryptotest

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/jws"
)

// privateMembers are the JWK members that only a private key has (RFC
// 7518 §6.2.2, §6.3.2, §6.4).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"}

// compactJWS finds compact JWS tokens in a text.
var compactJWS = regexp.MustCompile(`[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}`)

// checkNoPrivateKey fails the test if s holds private key material: a PEM
// private key, or a JSON object (s itself, inside a JSON string, or a
// header or payload of a JWS found in s) with a private JWK member.
func checkNoPrivateKey(t *testing.T, where, s string) {
	t.Helper()
	if strings.Contains(s, "PRIVATE KEY") {
		t.Fatalf("%s: a PEM private key", where)
	}
	var v any
	if json.Unmarshal([]byte(s), &v) == nil {
		walkJSON(t, where, v, 0)
	}
	for _, tok := range compactJWS.FindAllString(s, -1) {
		for i, part := range strings.SplitN(tok, ".", 3)[:2] {
			b, err := jws.B64.DecodeString(part)
			if err != nil {
				continue
			}
			var v any
			if json.Unmarshal(b, &v) == nil {
				walkJSON(t, where+" JWS part "+string(rune('0'+i)), v, 0)
			}
		}
	}
}

// walkJSON looks for private JWK members in v, and in JSON or JWS held in
// its strings.
func walkJSON(t *testing.T, where string, v any, depth int) {
	t.Helper()
	if depth > 32 {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		if _, isJWK := v["kty"]; isJWK {
			for _, m := range privateMembers {
				if _, ok := v[m]; ok {
					t.Fatalf("%s: a JWK with the private member %q", where, m)
				}
			}
		}
		for k, e := range v {
			walkJSON(t, where+"."+k, e, depth+1)
		}
	case []any:
		for _, e := range v {
			walkJSON(t, where+"[]", e, depth+1)
		}
	case string:
		if strings.ContainsAny(v, "{.") && depth < 8 {
			checkNoPrivateKey(t, where, v)
		}
	}
}
