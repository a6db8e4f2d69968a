package witness

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/audit/treeproof"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/strictjson"
	"github.com/netid-project/netid/internal/suite"
)

// Files of the state directory.
const (
	KeyFile       = "witness-key.json"
	PublicKeyFile = "witness.jwks.json"
	HeadFile      = "head.json"
	CosignedFile  = "cosigned.jsonl"
)

// CosignatureType is the JWS typ of a witness's co-signature.
const CosignatureType = "netid-tree-cosignature+jwt"

// maxStateFile bounds what the witness reads back of its own files (but
// the co-signed list, read line by line).
const maxStateFile = 64 << 10

// Errors; test with errors.Is.
var (
	// ErrState: a file of the state directory is not one the witness
	// wrote (malformed, wrong key type).
	ErrState = errors.New("witness: malformed state file")
	// ErrCosignature: a co-signature does not verify, or does not cover
	// the head it is stored with.
	ErrCosignature = errors.New("witness: invalid co-signature")
)

// Cosigned is a platform tree head with a witness's co-signature, as
// kept in head.json and cosigned.jsonl.
type Cosigned struct {
	Size int64     `json:"size"`
	Root string    `json:"root"`
	Time time.Time `json:"time"`
	// Signature is the platform's signed tree head (compact JWS).
	Signature string `json:"signature"`
	// Cosignature is the witness's JWS over {"size","root","iat"}.
	Cosignature string `json:"cosignature"`
	// Witnessed is when the witness co-signed.
	Witnessed time.Time `json:"witnessed"`
}

// Source is what the witness fetches from the platform: its newest tree
// head and consistency proofs (treeproof.Source), and its public keys.
type Source interface {
	treeproof.Source
	JWKS(ctx context.Context) (jose.JSONWebKeySet, error)
}

// Witness co-signs the platform's tree heads. Set Dir and Source; Now and
// Rand default to time.Now and crypto/rand. One Run at a time per Dir.
type Witness struct {
	Dir    string
	Source Source
	Now    func() time.Time
	Rand   io.Reader
}

// Result is what a Run did.
type Result struct {
	// Head is the newest head, co-signed.
	Head Cosigned
	// Previous is the size of the head seen before (0 on a first run);
	// New reports that Head was co-signed by this run (the log grew, or
	// this is the first run).
	Previous int64
	New      bool
}

// Run fetches the newest tree head, checks it is signed by the platform
// and extends the last head seen, co-signs it and stores it. When the log
// does not extend the last head seen, Run stores nothing and returns an
// error wrapping treeproof.ErrRewound or treeproof.ErrForked: evidence
// that the operator removed or rewrote records (the files keep the last
// good head).
func (w *Witness) Run(ctx context.Context) (Result, error) {
	keys, err := w.Source.JWKS(ctx)
	if err != nil {
		return Result{}, err
	}
	key, kid, err := w.key(platformSuite(keys))
	if err != nil {
		return Result{}, err
	}
	last, err := ReadHead(filepath.Join(w.Dir, HeadFile))
	var seen *treeproof.Head
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return Result{}, err
	default:
		root, err := base64.RawURLEncoding.Strict().DecodeString(last.Root)
		if err != nil {
			return Result{}, fmt.Errorf("%w: %s: root", ErrState, HeadFile)
		}
		seen = &treeproof.Head{Size: last.Size, Root: root, Time: last.Time, Signature: last.Signature}
	}
	head, err := treeproof.Follow(ctx, w.Source, keys, seen)
	if err != nil {
		return Result{}, err
	}
	res := Result{}
	if seen != nil {
		res.Previous = seen.Size
		if head.Size == seen.Size {
			res.Head = last
			return res, nil
		}
	}
	c, err := w.cosign(key, kid, head)
	if err != nil {
		return Result{}, err
	}
	line, err := json.Marshal(c)
	if err != nil {
		return Result{}, fmt.Errorf("witness: encode: %w", err)
	}
	if err := appendLine(filepath.Join(w.Dir, CosignedFile), line); err != nil {
		return Result{}, err
	}
	if err := writeAtomic(w.Dir, HeadFile, append(line, '\n')); err != nil {
		return Result{}, err
	}
	res.Head, res.New = c, true
	return res, nil
}

func (w *Witness) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Witness) cosign(key crypto.Signer, kid string, h treeproof.Head) (Cosigned, error) {
	now := w.now().UTC().Truncate(time.Second)
	root := base64.RawURLEncoding.EncodeToString(h.Root)
	size, iat := h.Size, now.Unix()
	payload, err := json.Marshal(treeproof.Payload{Size: &size, Root: &root, Iat: &iat})
	if err != nil {
		return Cosigned{}, fmt.Errorf("witness: encode: %w", err)
	}
	sig, err := jws.Sign(key, CosignatureType, kid, payload)
	if err != nil {
		return Cosigned{}, fmt.Errorf("witness: co-sign: %w", err)
	}
	return Cosigned{Size: h.Size, Root: root, Time: h.Time, Signature: h.Signature, Cosignature: sig, Witnessed: now}, nil
}

// platformSuite is the crypto suite of the platform whose keys are keys:
// SM if it publishes an SM2 key (an sm deployment signs its tree heads
// with SM2), else ES256.
func platformSuite(keys jose.JSONWebKeySet) suite.Suite {
	for _, k := range keys.Keys {
		if _, ok := jws.SM2PublicKey(k.Key); ok {
			return suite.SM
		}
	}
	return suite.ES256
}

// key loads the witness's key, making it on the first run in the suite of
// the platform it witnesses (st): a P-256 key for an es256 platform, an
// SM2 key for an sm one. A key made earlier is kept whatever its suite:
// its co-signatures name their algorithm.
func (w *Witness) key(st suite.Suite) (crypto.Signer, string, error) {
	path := filepath.Join(w.Dir, KeyFile)
	b, err := readBounded(path)
	if errors.Is(err, os.ErrNotExist) {
		return w.newKey(st)
	}
	if err != nil {
		return nil, "", err
	}
	m, err := strictjson.DecodeObject(b)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s", ErrState, KeyFile)
	}
	if m["crv"] == jws.SM2Curve {
		k, err := parseSM2PrivateJWK(m)
		if err != nil {
			return nil, "", fmt.Errorf("%w: %s: %w", ErrState, KeyFile, err)
		}
		return k.key, k.KeyID, nil
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(b); err != nil {
		return nil, "", fmt.Errorf("%w: %s", ErrState, KeyFile)
	}
	priv, ok := jwk.Key.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, "", fmt.Errorf("%w: %s is neither a P-256 nor an SM2 private key", ErrState, KeyFile)
	}
	return priv, jwk.KeyID, nil
}

func (w *Witness) newKey(st suite.Suite) (crypto.Signer, string, error) {
	src := w.Rand
	if src == nil {
		src = rand.Reader
	}
	priv, err := st.GenerateKey(src)
	if err != nil {
		return nil, "", fmt.Errorf("witness: make key: %w", err)
	}
	kid, err := suite.KeyID(priv)
	if err != nil {
		return nil, "", fmt.Errorf("witness: key thumbprint: %w", err)
	}
	alg := string(st.SignatureAlgorithm())
	pub := jose.JSONWebKey{Key: &priv.PublicKey, KeyID: kid, Algorithm: alg, Use: "sig"}
	var pb []byte
	if st == suite.SM {
		pb, err = marshalSM2PrivateJWK(priv, kid)
	} else {
		pb, err = (&jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: alg, Use: "sig"}).MarshalJSON()
	}
	if err != nil {
		return nil, "", fmt.Errorf("witness: encode key: %w", err)
	}
	set, err := json.Marshal(jws.JWKS{Keys: []jose.JSONWebKey{pub}})
	if err != nil {
		return nil, "", fmt.Errorf("witness: encode public key: %w", err)
	}
	if err := writeAtomic(w.Dir, PublicKeyFile, append(set, '\n')); err != nil {
		return nil, "", err
	}
	if err := writeAtomic(w.Dir, KeyFile, pb); err != nil {
		return nil, "", err
	}
	return priv, kid, nil
}

// ReadHead reads a Cosigned kept in a file (head.json).
func ReadHead(path string) (Cosigned, error) {
	b, err := readBounded(path)
	if err != nil {
		return Cosigned{}, err
	}
	var c Cosigned
	if err := strictjson.Unmarshal(bytes.TrimSpace(b), &c); err != nil {
		return Cosigned{}, fmt.Errorf("%w: %s: %w", ErrState, filepath.Base(path), err)
	}
	return c, nil
}

// VerifyCosignature checks c: the platform's head signed under
// platformKeys, the co-signature under witnessKeys, both covering c's size
// and root. It returns the platform's head.
func VerifyCosignature(c Cosigned, platformKeys, witnessKeys jose.JSONWebKeySet) (treeproof.Head, error) {
	head, err := treeproof.Parse(c.Signature, platformKeys)
	if err != nil {
		return treeproof.Head{}, err
	}
	payload, err := jws.Parse(c.Cosignature, jws.Expect{Typ: CosignatureType})
	if err != nil {
		return treeproof.Head{}, fmt.Errorf("%w: %w", ErrCosignature, err)
	}
	body, err := payload.Verify(jws.ByKeyID(witnessKeys))
	if err != nil {
		return treeproof.Head{}, fmt.Errorf("%w: %w", ErrCosignature, err)
	}
	var p treeproof.Payload
	if err := strictjson.Unmarshal(body, &p); err != nil || p.Size == nil || p.Root == nil {
		return treeproof.Head{}, fmt.Errorf("%w: payload", ErrCosignature)
	}
	root := base64.RawURLEncoding.EncodeToString(head.Root)
	if *p.Size != head.Size || *p.Root != root || c.Size != head.Size || c.Root != root {
		return treeproof.Head{}, fmt.Errorf("%w: it covers another size or root than the platform's head", ErrCosignature)
	}
	return head, nil
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("witness: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil {
		return nil, fmt.Errorf("witness: reading %s: %w", filepath.Base(path), err)
	}
	if len(b) > maxStateFile {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrState, filepath.Base(path), maxStateFile)
	}
	return b, nil
}

func appendLine(path string, line []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("witness: creating directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("witness: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		_ = f.Close()
		return fmt.Errorf("witness: writing %s: %w", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("witness: syncing %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

// writeAtomic replaces dir/name with data through a temporary file and a
// rename, so a reader sees the old or the new file.
func writeAtomic(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("witness: creating directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("witness: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("witness: writing %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("witness: syncing %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("witness: closing %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("witness: replacing %s: %w", name, err)
	}
	return nil
}
