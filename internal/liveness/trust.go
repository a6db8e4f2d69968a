package liveness

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/jws"
)

// maxTrustFile bounds a trust-list file.
const maxTrustFile = 1 << 20

// LoadTrust reads the trust list: each <provider>.json in dir is the JWKS of
// the liveness provider named <provider>, which must also be the "iss" of
// its attestations. Other files and subdirectories are ignored; a missing
// dir is an empty trust list. Every key must be a public P-256 key usable
// for ES256 signatures; a file with a private key, another key type or no
// keys is an error, so a misconfigured trust list fails at start-up.
func LoadTrust(dir string) (map[string]jose.JSONWebKeySet, error) {
	trusted := map[string]jose.JSONWebKeySet{}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return trusted, nil
	}
	if err != nil {
		return nil, fmt.Errorf("liveness: read trust list: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		provider, ok := strings.CutSuffix(name, ".json")
		if !ok || !e.Type().IsRegular() || strings.HasPrefix(name, ".") {
			continue
		}
		if !validProviderName(provider) {
			return nil, fmt.Errorf("liveness: trust list file %q: provider name must be letters, digits, '.', '_' or '-'", name)
		}
		set, err := readJWKS(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("liveness: trust list file %q: %w", name, err)
		}
		trusted[provider] = set
	}
	return trusted, nil
}

func readJWKS(path string) (jose.JSONWebKeySet, error) {
	f, err := os.Open(path)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	defer f.Close()
	var parsed jws.JWKS
	data, err := io.ReadAll(io.LimitReader(f, maxTrustFile+1))
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	if len(data) > maxTrustFile {
		return jose.JSONWebKeySet{}, errors.New("file too large")
	}
	if err := json.Unmarshal(data, &parsed); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("not a JWKS: %w", err)
	}
	set := jose.JSONWebKeySet(parsed)
	if len(set.Keys) == 0 {
		return set, errors.New("no keys")
	}
	for i, k := range set.Keys {
		if !k.IsPublic() {
			return set, fmt.Errorf("key %d is not a public key", i)
		}
		if !usableKey(k) {
			return set, fmt.Errorf("key %d is neither a P-256 signing key for ES256 nor an SM2 signing key for SM2", i)
		}
		if k.KeyID == "" {
			return set, fmt.Errorf("key %d has no kid", i)
		}
	}
	return set, nil
}

// usableKey reports whether k is a public P-256 key that may verify ES256
// signatures or a public SM2 key that may verify SM2 ones.
func usableKey(k jose.JSONWebKey) bool {
	if _, ok := k.Key.(*ecdsa.PublicKey); !ok {
		return false
	}
	alg, ok := jws.AlgorithmFor(k.Key)
	if !ok || (k.Algorithm != "" && k.Algorithm != string(alg)) {
		return false
	}
	return k.Use == "" || k.Use == "sig"
}

func validProviderName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}
