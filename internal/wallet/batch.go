package wallet

import (
	"context"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/suite"
)

// BatchFile records which batch credential went to which relying party.
const BatchFile = "batch.json"

// LowBatch is how many unused batch credentials are left when the wallet
// asks the holder to get a new batch.
const LowBatch = 2

// usageKeyLen is the length of the key of the audience MACs.
const usageKeyLen = 32

// BatchMember is one batch credential: an SD-JWT with the claims of the
// wallet's credential, bound to its own device key and pointing at its
// own status list index, so that two relying parties given two different
// members cannot tell they came from one holder by key, signature or
// status index.
type BatchMember struct {
	Key        *ecdsa.PrivateKey
	Credential string
}

// sealedMember is a BatchMember inside the sealed box.
type sealedMember struct {
	Key        []byte `json:"key"` // PKCS#8 DER
	Credential string `json:"credential"`
}

func sealBatch(members []BatchMember, expires time.Time) ([]sealedMember, error) {
	out := make([]sealedMember, 0, len(members))
	for i, m := range members {
		if _, ok := keySuite(m.Key); !ok {
			return nil, fmt.Errorf("%w: batch key %d is neither a P-256 nor an SM2 key", ErrKeySuite, i+1)
		}
		if err := checkMember(m, expires); err != nil {
			if errors.Is(err, ErrKeySuite) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: batch credential %d: %w", ErrCredentialMismatch, i+1, err)
		}
		der, err := marshalKey(m.Key)
		if err != nil {
			return nil, fmt.Errorf("wallet: encoding batch key: %w", err)
		}
		out = append(out, sealedMember{Key: der, Credential: m.Credential})
	}
	return out, nil
}

func openBatch(sealed []sealedMember, expires time.Time) ([]BatchMember, error) {
	out := make([]BatchMember, 0, len(sealed))
	for i, s := range sealed {
		key, err := parseKey(s.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: batch key %d: %w", ErrMalformed, i+1, err)
		}
		m := BatchMember{Key: key, Credential: s.Credential}
		if err := checkMember(m, expires); err != nil {
			if errors.Is(err, ErrKeySuite) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: batch credential %d: %w", ErrMalformed, i+1, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// checkMember checks that m's credential is bound to m's key and ends no
// later than the wallet's credential (the signature was checked on
// receipt).
func checkMember(m BatchMember, expires time.Time) error {
	jwt, _, ok := strings.Cut(m.Credential, "~")
	if !ok {
		return errors.New("not an SD-JWT")
	}
	c, err := decodeIssuerJWT(jwt)
	if err != nil {
		return err
	}
	if err := checkKeySuite("batch key", m.Key, c.Suite); err != nil {
		return err
	}
	if !c.Holder.Equal(&m.Key.PublicKey) {
		return errors.New("not bound to its key")
	}
	if c.ExpiresAt.After(expires) {
		return errors.New("ends after the credential")
	}
	return nil
}

func clearBatch(b []sealedMember) {
	for i := range b {
		clear(b[i].Key)
	}
}

// usage is batch.json: for each batch member, the MACs of the audiences
// it was presented to (so the file does not say which relying parties the
// holder visited) and how often it was used. Batch names the batch the
// file is about; a file about another batch counts as empty.
type usage struct {
	Version int           `json:"version"`
	Batch   string        `json:"batch"`
	Members []memberUsage `json:"members"`
}

type memberUsage struct {
	Audiences []string `json:"audiences"`
	Uses      int      `json:"uses"`
}

func (u *Unlocked) mac(parts ...string) string {
	m := hmac.New(sha256.New, u.usageKey)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// batchName names u's batch in batch.json.
func (u *Unlocked) batchName() string {
	parts := []string{"batch"}
	for _, m := range u.Batch {
		jwt, _, _ := strings.Cut(m.Credential, "~")
		parts = append(parts, jwt)
	}
	return u.mac(parts...)
}

func (u *Unlocked) readUsage() (usage, error) {
	fresh := usage{Version: 1, Batch: u.batchName(), Members: make([]memberUsage, len(u.Batch))}
	b, err := readBounded(filepath.Join(u.Wallet.Dir, BatchFile))
	if errors.Is(err, fs.ErrNotExist) {
		return fresh, nil
	}
	if err != nil {
		return usage{}, err
	}
	var got usage
	if err := decodeStrict(b, &got); err != nil {
		return usage{}, fmt.Errorf("%w: %s: %w", ErrMalformed, BatchFile, err)
	}
	if got.Version != 1 || !hmac.Equal([]byte(got.Batch), []byte(fresh.Batch)) || len(got.Members) != len(u.Batch) {
		return fresh, nil // about an earlier batch
	}
	return got, nil
}

func (u *Unlocked) writeUsage(us usage) error {
	b, err := json.MarshalIndent(us, "", "  ")
	if err != nil {
		return fmt.Errorf("wallet: encoding %s: %w", BatchFile, err)
	}
	return writeAtomic(u.Wallet.Dir, BatchFile, append(b, '\n'))
}

// pickMember chooses the batch member for an audience whose MAC is tag:
// the member already presented to it, else the first never used, else
// (the batch is used up) the least used, which links this relying party
// with the others that member went to. It reports whether the member was
// fresh for tag (never presented elsewhere).
func pickMember(us usage, tag string) (i int, fresh bool) {
	for i, m := range us.Members {
		for _, a := range m.Audiences {
			if hmac.Equal([]byte(a), []byte(tag)) {
				return i, len(m.Audiences) == 1
			}
		}
	}
	best := -1
	for i, m := range us.Members {
		if len(m.Audiences) == 0 {
			return i, true
		}
		if best < 0 || m.Uses < us.Members[best].Uses {
			best = i
		}
	}
	return best, false
}

// forAudience returns the credential and key to present to audience: a
// batch member (recorded in batch.json) when the wallet holds a batch,
// else the credential itself.
func (u *Unlocked) forAudience(audience string) (string, *ecdsa.PrivateKey, error) {
	if len(u.Batch) == 0 || audience == "" {
		return u.Credential, u.DeviceKey, nil
	}
	us, err := u.readUsage()
	if err != nil {
		return "", nil, err
	}
	tag := u.mac("audience", audience)
	i, _ := pickMember(us, tag)
	m := &us.Members[i]
	known := false
	for _, a := range m.Audiences {
		known = known || hmac.Equal([]byte(a), []byte(tag))
	}
	if !known {
		m.Audiences = append(m.Audiences, tag)
	}
	m.Uses++
	if err := u.writeUsage(us); err != nil {
		return "", nil, err
	}
	return u.Batch[i].Credential, u.Batch[i].Key, nil
}

// UnusedBatch is how many batch credentials were never presented: each
// can go to a new relying party without linking it to another. A wallet
// without a batch has none. When it falls to LowBatch or below, the
// holder should get a new batch.
func (u *Unlocked) UnusedBatch() (int, error) {
	if len(u.Batch) == 0 {
		return 0, nil
	}
	us, err := u.readUsage()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range us.Members {
		if len(m.Audiences) == 0 {
			n++
		}
	}
	return n, nil
}

// batchKeys makes n batch keys of st and their proofs of possession for
// nonce.
func batchKeys(st suite.Suite, r io.Reader, n int, issuer, nonce string, now time.Time) ([]*ecdsa.PrivateKey, []string, error) {
	if n < 0 || n > maxBatch {
		return nil, nil, fmt.Errorf("%w: batch size %d", ErrResponse, n)
	}
	if r == nil {
		r = rand.Reader
	}
	keys := make([]*ecdsa.PrivateKey, 0, n)
	proofs := make([]string, 0, n)
	for range n {
		k, err := st.GenerateKey(r)
		if err != nil {
			return nil, nil, fmt.Errorf("wallet: generating a batch key: %w", err)
		}
		p, err := DeviceProof(k, issuer, nonce, now)
		if err != nil {
			return nil, nil, err
		}
		keys, proofs = append(keys, k), append(proofs, p)
	}
	return keys, proofs, nil
}

// maxBatch bounds the batch a platform may ask a wallet to make.
const maxBatch = 64

// checkBatch verifies the batch credentials against the credential, main
// (issued.Credential, verified by the caller): one per key, in order, each
// signed by the platform, bound to its key, with the same issuer and the
// same selectively disclosable claims as the credential, and nothing that
// would link them: no jti, and status indices that differ from each other
// and from the credential's.
func checkBatch(issued api.IssuedCredential, main *credential.Credential, keys jose.JSONWebKeySet, batchKeys []*ecdsa.PrivateKey, now time.Time) ([]BatchMember, error) {
	if len(issued.Batch) != len(batchKeys) {
		return nil, fmt.Errorf("%w: %d batch credentials for %d keys", ErrCredentialMismatch, len(issued.Batch), len(batchKeys))
	}
	if len(batchKeys) == 0 {
		return nil, nil
	}
	st, err := issuedSuite(issued.Credential)
	if err != nil {
		return nil, err
	}
	seen := map[credential.Status]bool{main.Claims.Status: true}
	out := make([]BatchMember, 0, len(batchKeys))
	for i, sdjwt := range issued.Batch {
		c, err := credential.VerifyWithLeeway(sdjwt, keys, now, issuanceLeeway)
		if err != nil {
			return nil, fmt.Errorf("%w: batch credential %d: %w", ErrCredentialMismatch, i+1, err)
		}
		cl := c.Claims
		holder, ok := cl.Holder.Key.(*ecdsa.PublicKey)
		if err := checkKeySuite("batch key", batchKeys[i], st); err != nil {
			return nil, err
		}
		switch {
		case !ok || !holder.Equal(&batchKeys[i].PublicKey):
			return nil, fmt.Errorf("%w: batch credential %d is not bound to its key", ErrCredentialMismatch, i+1)
		case cl.Issuer != main.Claims.Issuer || cl.VCT != main.Claims.VCT:
			return nil, fmt.Errorf("%w: batch credential %d has another issuer or type", ErrCredentialMismatch, i+1)
		case cl.ID != "":
			return nil, fmt.Errorf("%w: batch credential %d carries a jti", ErrCredentialMismatch, i+1)
		case !reflect.DeepEqual(c.Disclosed, main.Disclosed):
			return nil, fmt.Errorf("%w: batch credential %d has other claims", ErrCredentialMismatch, i+1)
		case seen[cl.Status]:
			return nil, fmt.Errorf("%w: batch credential %d shares a status index", ErrCredentialMismatch, i+1)
		case cl.ExpiresAt.After(main.Claims.ExpiresAt):
			return nil, fmt.Errorf("%w: batch credential %d ends after the credential", ErrCredentialMismatch, i+1)
		}
		seen[cl.Status] = true
		out = append(out, BatchMember{Key: batchKeys[i], Credential: sdjwt})
	}
	return out, nil
}

// DefaultBatch is how many batch credentials RefreshBatch asks for when
// the wallet holds none yet.
const DefaultBatch = 8

// RefreshBatch gets a new batch of credentials for u's credential,
// POST /v1/holder/batch: as many as the wallet holds (DefaultBatch if
// none), each with a new key, checked like the batch received at
// issuance, and seals them with password in place of the earlier batch,
// whose record of what went where is dropped. It returns the new batch's
// size.
func RefreshBatch(ctx context.Context, c *Client, u *Unlocked, password string, o SaveOptions) (int, error) {
	if err := sameServer(c, u); err != nil {
		return 0, err
	}
	n := len(u.Batch)
	if n == 0 {
		n = DefaultBatch
	}
	st, ok := keySuite(u.DeviceKey)
	if !ok {
		return 0, fmt.Errorf("%w: the device key is neither a P-256 nor an SM2 key", ErrKeySuite)
	}
	now := time.Now()
	keys, proofs, err := batchKeys(st, o.Rand, n, u.Wallet.Server, u.Wallet.CredentialID, now)
	if err != nil {
		return 0, err
	}
	var out api.Batch
	if err := c.do(ctx, call{method: http.MethodPost, path: "/v1/holder/batch", holder: u, in: api.BatchRequest{Proofs: proofs}, out: &out}); err != nil {
		return 0, err
	}
	jwks, err := c.JWKS(ctx)
	if err != nil {
		return 0, fmt.Errorf("wallet: fetching the platform's keys: %w", err)
	}
	now = time.Now()
	main, err := credential.VerifyWithLeeway(u.Credential, jwks, now, issuanceLeeway)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrCredentialMismatch, err)
	}
	batch, err := checkBatch(api.IssuedCredential{Credential: u.Credential, Batch: out.Batch}, main, jwks, keys, now)
	if err != nil {
		return 0, err
	}
	o.CredentialID, o.Batch, o.usageKey = u.Wallet.CredentialID, batch, nil
	if _, err := Save(u.Wallet.Dir, u.Wallet.Server, u.Credential, u.DeviceKey, password, o); err != nil {
		return 0, err
	}
	return len(batch), nil
}
