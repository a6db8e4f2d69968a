package wallet

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/jws"
	"github.com/netid-project/netid/internal/netnum"
	"github.com/netid-project/netid/internal/strictjson"
	"github.com/netid-project/netid/internal/suite"
)

// File names inside the wallet directory.
const (
	WalletFile  = "wallet.json"
	PendingFile = "pending.json"
)

// FormatVersion is the wallet.json format this package writes and reads.
const FormatVersion = 1

// EnvDir is the environment variable naming the wallet directory.
const EnvDir = "NETID_WALLET"

// maxFileSize bounds what Open and LoadPending read.
const maxFileSize = 1 << 20

// KDF and cipher identifiers recorded in wallet.json.
const (
	kdfArgon2id = "argon2id"
	cipherGCM   = "A256GCM"
	saltLen     = 16
	nonceLen    = 12
	keyLen      = 32
)

// KDFParams are the Argon2id cost parameters (RFC 9106) of the key that
// seals a wallet. They are stored in the file, so a wallet opens with the
// parameters it was sealed with.
type KDFParams struct {
	// Time is the number of passes over memory.
	Time uint32 `json:"t"`
	// MemoryKiB is the memory cost in KiB.
	MemoryKiB uint32 `json:"m"`
	// Threads is the degree of parallelism.
	Threads uint8 `json:"p"`
}

// DefaultKDF is RFC 9106's second recommended option scaled to a personal
// device: 3 passes over 64 MiB, one thread.
var DefaultKDF = KDFParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 1}

// Bounds on KDF parameters, so a planted file cannot make Unlock use
// unbounded memory or time.
const (
	maxKDFTime      = 16
	maxKDFMemoryKiB = 1 << 20 // 1 GiB
	maxKDFThreads   = 16
)

func (p KDFParams) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxKDFTime:
		return fmt.Errorf("kdf time must be 1 to %d", maxKDFTime)
	case p.Threads < 1 || p.Threads > maxKDFThreads:
		return fmt.Errorf("kdf threads must be 1 to %d", maxKDFThreads)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxKDFMemoryKiB:
		return fmt.Errorf("kdf memory must be 8×threads to %d KiB", maxKDFMemoryKiB)
	}
	return nil
}

// DefaultDir is the wallet directory: $NETID_WALLET if set, else
// $HOME/.netid/wallet.
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("wallet: no home directory (set %s): %w", EnvDir, err)
	}
	return filepath.Join(home, ".netid", "wallet"), nil
}

// Wallet is the non-secret part of a stored credential, readable without
// the password.
type Wallet struct {
	// Dir is the wallet directory the file was read from or written to.
	Dir string
	// Server is the platform's base URL (its issuer identifier).
	Server string
	// Wanghao is the holder's 网号 in canonical form. The issuer-signed
	// JWT does not carry it (it is a selectively disclosable claim), so
	// Open cannot check it against the credential; Unlock does, against
	// the credential's disclosure. (Wallets holding a credential issued
	// before the 网号 was selectively disclosable have it in plaintext in
	// IssuerJWT, and Open checks it there too.)
	Wanghao string
	// CredentialID is the credential's id (its jti).
	CredentialID string
	// IssuerJWT is the issuer-signed JWT of the credential, without
	// disclosures.
	IssuerJWT string
	// ExpiresAt is the credential's expiry.
	ExpiresAt time.Time

	locked box
	// status is the credential's status list reference, from IssuerJWT.
	statusURI string
	statusIdx int64
}

// Unlocked is a wallet opened with its password.
type Unlocked struct {
	// Wallet is the non-secret part.
	Wallet *Wallet
	// DeviceKey is the device's private key, to which the credential is
	// bound (a crypto.Signer): a P-256 key, or an SM2 key (on the SM2
	// curve, signing SM2 through jws.Sign) for an SM2-signed credential.
	DeviceKey *ecdsa.PrivateKey
	// Credential is the full SD-JWT with all its disclosures.
	Credential string
	// Batch are the batch credentials: the same claims, each bound to its
	// own key, presented one per relying party (see Present); empty for a
	// wallet issued without.
	Batch []BatchMember

	usageKey []byte
}

// MaskedWanghao is the 网号 with its middle hidden, for display.
func (w *Wallet) MaskedWanghao() string { return netnum.Mask(w.Wanghao) }

// Expired reports whether the credential has expired at now.
func (w *Wallet) Expired(now time.Time) bool { return !now.Before(w.ExpiresAt) }

// file is wallet.json.
type file struct {
	Version      int       `json:"version"`
	Server       string    `json:"server"`
	Wanghao      string    `json:"wanghao"`
	CredentialID string    `json:"credential_id"`
	IssuerJWT    string    `json:"issuer_jwt"`
	ExpiresAt    time.Time `json:"expires_at"`
	Locked       box       `json:"locked"`
}

// box is the sealed secrets and how to open them.
type box struct {
	KDF        string    `json:"kdf"`
	Params     KDFParams `json:"params"`
	Salt       []byte    `json:"salt"`
	Cipher     string    `json:"cipher"`
	Nonce      []byte    `json:"nonce"`
	Ciphertext []byte    `json:"ciphertext"`
}

// secrets is the plaintext of the box.
type secrets struct {
	DeviceKey  []byte `json:"device_key"` // PKCS#8 DER: P-256, or SM2 (smx509)
	Credential string `json:"credential"`
	// Batch are the batch credentials and their keys; UsageKey keys the
	// MACs under which batch.json records the audiences each was
	// presented to.
	Batch    []sealedMember `json:"batch,omitempty"`
	UsageKey []byte         `json:"usage_key,omitempty"`
}

// Exists reports whether dir holds a wallet.json.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, WalletFile))
	return err == nil
}

// Open reads the wallet in dir. It checks the file's structure and that its
// fields agree with the issuer-signed JWT; the secrets stay sealed until
// Unlock. Without the password it cannot check the 网号, which only the
// sealed disclosures carry (the field is covered by the AEAD, so Unlock
// fails on a changed one). A missing file is ErrNoWallet, anything else
// wrong ErrMalformed.
func Open(dir string) (*Wallet, error) {
	b, err := readBounded(filepath.Join(dir, WalletFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (%s)", ErrNoWallet, dir)
	}
	if err != nil {
		return nil, err
	}
	w, err := parseWallet(b)
	if err != nil {
		return nil, err
	}
	w.Dir = dir
	return w, nil
}

// parseWallet decodes and checks wallet.json.
func parseWallet(b []byte) (*Wallet, error) {
	var f file
	if err := decodeStrict(b, &f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if f.Version != FormatVersion {
		return nil, fmt.Errorf("%w: unsupported version %d", ErrMalformed, f.Version)
	}
	if err := checkServer(f.Server); err != nil {
		return nil, err
	}
	claims, err := decodeIssuerJWT(f.IssuerJWT)
	if err != nil {
		return nil, err
	}
	if wh, err := netnum.Parse(f.Wanghao); err != nil || wh != f.Wanghao {
		return nil, fmt.Errorf("%w: wanghao is not a canonical 网号", ErrMalformed)
	}
	switch {
	case claims.Wanghao != "" && claims.Wanghao != f.Wanghao: // plaintext: an older credential
		return nil, fmt.Errorf("%w: wanghao differs from the credential's", ErrMalformed)
	case f.CredentialID == "" || (claims.ID != "" && claims.ID != f.CredentialID):
		// Credentials carry no jti now (it would link presentations); the
		// wallet keeps the ID the platform gave at issuance.
		return nil, fmt.Errorf("%w: credential_id differs from the credential's", ErrMalformed)
	case !f.ExpiresAt.Equal(claims.ExpiresAt):
		return nil, fmt.Errorf("%w: expires_at differs from the credential's", ErrMalformed)
	}
	if err := f.Locked.check(); err != nil {
		return nil, err
	}
	return &Wallet{
		Server:       f.Server,
		Wanghao:      f.Wanghao,
		CredentialID: f.CredentialID,
		IssuerJWT:    f.IssuerJWT,
		ExpiresAt:    f.ExpiresAt,
		locked:       f.Locked,
		statusURI:    claims.StatusURI,
		statusIdx:    claims.StatusIndex,
	}, nil
}

func (l box) check() error {
	switch {
	case l.KDF != kdfArgon2id:
		return fmt.Errorf("%w: unsupported kdf", ErrMalformed)
	case l.Cipher != cipherGCM:
		return fmt.Errorf("%w: unsupported cipher", ErrMalformed)
	case len(l.Salt) != saltLen:
		return fmt.Errorf("%w: salt must be %d bytes", ErrMalformed, saltLen)
	case len(l.Nonce) != nonceLen:
		return fmt.Errorf("%w: nonce must be %d bytes", ErrMalformed, nonceLen)
	case len(l.Ciphertext) < 16:
		return fmt.Errorf("%w: ciphertext too short", ErrMalformed)
	}
	if err := l.Params.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

func checkServer(s string) error {
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return fmt.Errorf("%w: server must be an http(s) URL", ErrMalformed)
	}
	return nil
}

// aad is the additional authenticated data of the box: every non-secret
// field of the file and the box's own parameters, in a fixed encoding.
func (w *Wallet) aad() []byte {
	v := struct {
		Context      string    `json:"context"`
		Version      int       `json:"version"`
		Server       string    `json:"server"`
		Wanghao      string    `json:"wanghao"`
		CredentialID string    `json:"credential_id"`
		IssuerJWT    string    `json:"issuer_jwt"`
		ExpiresAt    int64     `json:"expires_at"`
		KDF          string    `json:"kdf"`
		Params       KDFParams `json:"params"`
		Salt         []byte    `json:"salt"`
		Cipher       string    `json:"cipher"`
	}{
		"netid-wallet", FormatVersion, w.Server, w.Wanghao, w.CredentialID, w.IssuerJWT,
		w.ExpiresAt.UnixNano(), w.locked.KDF, w.locked.Params, w.locked.Salt, w.locked.Cipher,
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("wallet: encoding aad: " + err.Error()) // strings and numbers always encode
	}
	return b
}

func aead(password string, l box) (cipher.AEAD, error) {
	key := argon2.IDKey([]byte(password), l.Salt, l.Params.Time, l.Params.MemoryKiB, l.Params.Threads, keyLen)
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("wallet: cipher: %w", err)
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("wallet: cipher: %w", err)
	}
	return g, nil
}

// Unlock opens the wallet's secrets with the credential password and
// checks them against the file: the device key against cnf.jwk, the 网号
// against the credential's disclosure of it. A wrong password, or any
// change to the file, is ErrWrongPassword; secrets that disagree with the
// file are ErrMalformed.
func (w *Wallet) Unlock(password string) (*Unlocked, error) {
	if err := w.locked.check(); err != nil {
		return nil, err
	}
	g, err := aead(password, w.locked)
	if err != nil {
		return nil, err
	}
	plain, err := g.Open(nil, w.locked.Nonce, w.locked.Ciphertext, w.aad())
	if err != nil {
		return nil, ErrWrongPassword
	}
	defer clear(plain)
	var s secrets
	if err := json.Unmarshal(plain, &s); err != nil {
		return nil, fmt.Errorf("%w: sealed secrets: %w", ErrMalformed, err)
	}
	defer clear(s.DeviceKey)
	key, err := parseKey(s.DeviceKey)
	if err != nil {
		return nil, fmt.Errorf("%w: device key: %w", ErrMalformed, err)
	}
	jwt, _, _ := strings.Cut(s.Credential, "~")
	if jwt != w.IssuerJWT {
		return nil, fmt.Errorf("%w: sealed credential differs from issuer_jwt", ErrMalformed)
	}
	c, err := decodeIssuerJWT(jwt)
	if err != nil {
		return nil, err
	}
	if err := checkKeySuite("device key", key, c.Suite); err != nil {
		return nil, err
	}
	if !c.Holder.Equal(&key.PublicKey) {
		return nil, fmt.Errorf("%w: device key does not match the credential", ErrMalformed)
	}
	wh, err := credentialWanghao(s.Credential)
	if err != nil {
		return nil, fmt.Errorf("%w: sealed credential: %w", ErrMalformed, err)
	}
	if wh != w.Wanghao {
		return nil, fmt.Errorf("%w: wanghao differs from the credential's", ErrMalformed)
	}
	batch, err := openBatch(s.Batch, c.ExpiresAt)
	if err != nil {
		return nil, err
	}
	if len(batch) > 0 && len(s.UsageKey) != usageKeyLen {
		return nil, fmt.Errorf("%w: batch without its usage key", ErrMalformed)
	}
	return &Unlocked{Wallet: w, DeviceKey: key, Credential: s.Credential, Batch: batch, usageKey: s.UsageKey}, nil
}

// SaveOptions tune Save.
type SaveOptions struct {
	// KDF are the Argon2id parameters; zero means DefaultKDF.
	KDF KDFParams
	// Rand is the source of the salt and nonce; nil means crypto/rand.
	Rand io.Reader
	// CredentialID is the credential's ID as the platform gave it at
	// issuance (credentials carry no jti); it must agree with the jti of
	// a credential issued before it was left out.
	CredentialID string
	// Batch are the batch credentials issued with the credential, each
	// with its own device key.
	Batch []BatchMember

	// usageKey keeps the usage key of the batch being sealed again.
	usageKey []byte
}

// Save seals credential (the full SD-JWT) and its device key with password
// and writes wallet.json in dir, replacing any earlier credential there.
// The credential must be bound to key (cnf.jwk) and disclose the 网号,
// which Save stores in the clear; its signature is not checked here (Apply
// verifies it before saving).
func Save(dir, server, credential string, key *ecdsa.PrivateKey, password string, o SaveOptions) (*Wallet, error) {
	if err := checkServer(server); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, fmt.Errorf("wallet: empty password")
	}
	if _, ok := keySuite(key); !ok {
		return nil, fmt.Errorf("%w: the device key is neither a P-256 nor an SM2 key", ErrKeySuite)
	}
	params := o.KDF
	if params == (KDFParams{}) {
		params = DefaultKDF
	}
	if err := params.validate(); err != nil {
		return nil, fmt.Errorf("wallet: %w", err)
	}
	rnd := o.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	jwt, _, ok := strings.Cut(credential, "~")
	if !ok {
		return nil, fmt.Errorf("%w: credential is not an SD-JWT", ErrCredentialMismatch)
	}
	c, err := decodeIssuerJWT(jwt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentialMismatch, err)
	}
	if err := checkKeySuite("device key", key, c.Suite); err != nil {
		return nil, err
	}
	if !c.Holder.Equal(&key.PublicKey) {
		return nil, fmt.Errorf("%w: credential is not bound to the device key", ErrCredentialMismatch)
	}
	wh, err := credentialWanghao(credential)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentialMismatch, err)
	}
	credID := o.CredentialID
	switch {
	case credID == "":
		credID = c.ID
	case c.ID != "" && c.ID != credID:
		return nil, fmt.Errorf("%w: the credential's jti differs from its ID", ErrCredentialMismatch)
	}
	if credID == "" {
		return nil, fmt.Errorf("%w: no credential ID", ErrCredentialMismatch)
	}
	batch, err := sealBatch(o.Batch, c.ExpiresAt)
	if err != nil {
		return nil, err
	}
	der, err := marshalKey(key)
	if err != nil {
		return nil, fmt.Errorf("wallet: encoding device key: %w", err)
	}
	defer clear(der)
	sec := secrets{DeviceKey: der, Credential: credential, Batch: batch}
	if len(batch) > 0 && len(o.usageKey) == usageKeyLen {
		sec.UsageKey = o.usageKey
	} else if len(batch) > 0 {
		sec.UsageKey = make([]byte, usageKeyLen)
		if _, err := io.ReadFull(rnd, sec.UsageKey); err != nil {
			return nil, fmt.Errorf("wallet: reading randomness: %w", err)
		}
	}
	plain, err := json.Marshal(sec)
	defer clearBatch(sec.Batch)
	if err != nil {
		return nil, fmt.Errorf("wallet: encoding secrets: %w", err)
	}
	defer clear(plain)

	w := &Wallet{
		Dir: dir, Server: server, Wanghao: wh, CredentialID: credID, IssuerJWT: jwt,
		ExpiresAt: c.ExpiresAt, statusURI: c.StatusURI, statusIdx: c.StatusIndex,
		locked: box{KDF: kdfArgon2id, Params: params, Salt: make([]byte, saltLen), Cipher: cipherGCM, Nonce: make([]byte, nonceLen)},
	}
	if _, err := io.ReadFull(rnd, w.locked.Salt); err != nil {
		return nil, fmt.Errorf("wallet: reading randomness: %w", err)
	}
	if _, err := io.ReadFull(rnd, w.locked.Nonce); err != nil {
		return nil, fmt.Errorf("wallet: reading randomness: %w", err)
	}
	g, err := aead(password, w.locked)
	if err != nil {
		return nil, err
	}
	w.locked.Ciphertext = g.Seal(nil, w.locked.Nonce, plain, w.aad())

	b, err := json.MarshalIndent(file{
		Version: FormatVersion, Server: w.Server, Wanghao: w.Wanghao, CredentialID: w.CredentialID,
		IssuerJWT: w.IssuerJWT, ExpiresAt: w.ExpiresAt, Locked: w.locked,
	}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("wallet: encoding wallet file: %w", err)
	}
	if err := writeAtomic(dir, WalletFile, append(b, '\n')); err != nil {
		return nil, err
	}
	return w, nil
}

// credentialWanghao returns the 网号 of a full SD-JWT: its wanghao
// disclosure, or the plaintext claim of a credential issued before the 网号
// was selectively disclosable. The signature is not checked (see
// decodeIssuerJWT).
func credentialWanghao(sdjwt string) (string, error) {
	c, err := credential.DecodeUnverified(sdjwt)
	if err != nil {
		return "", err
	}
	if c.Claims.Wanghao == "" {
		return "", errors.New("the credential does not disclose a 网号")
	}
	return c.Claims.Wanghao, nil
}

// issuerClaims are the claims of an issuer-signed JWT the wallet reads.
type issuerClaims struct {
	// ID is the jti of a credential issued before it was left out; "" for
	// newer ones.
	ID string
	// Wanghao is the plaintext 网号 of a credential issued before it was
	// selectively disclosable; "" for newer ones.
	Wanghao     string
	ExpiresAt   time.Time
	StatusURI   string
	StatusIndex int64
	Holder      *ecdsa.PublicKey
	// Suite is the crypto suite of the JWT's signature algorithm (its
	// header's alg); Holder is a key of it.
	Suite suite.Suite
}

// decodeIssuerJWT reads the claims of an issuer-signed JWT without checking
// its signature: the wallet stores what it verified when it was issued.
func decodeIssuerJWT(jwt string) (issuerClaims, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return issuerClaims{}, fmt.Errorf("%w: issuer_jwt is not a compact JWS", ErrMalformed)
	}
	st, err := headerSuite(parts[0])
	if err != nil {
		return issuerClaims{}, err
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return issuerClaims{}, fmt.Errorf("%w: issuer_jwt payload is not base64url", ErrMalformed)
	}
	var p struct {
		JTI     string `json:"jti"`
		Wanghao string `json:"wanghao"`
		Exp     int64  `json:"exp"`
		Cnf     struct {
			JWK json.RawMessage `json:"jwk"`
		} `json:"cnf"`
		Status struct {
			StatusList struct {
				Idx *int64 `json:"idx"`
				URI string `json:"uri"`
			} `json:"status_list"`
		} `json:"status"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return issuerClaims{}, fmt.Errorf("%w: issuer_jwt payload: %w", ErrMalformed, err)
	}
	sl := p.Status.StatusList
	switch {
	case p.Exp <= 0 || p.Exp > maxUnix:
		return issuerClaims{}, fmt.Errorf("%w: issuer_jwt exp out of range", ErrMalformed)
	case sl.URI == "" || sl.Idx == nil || *sl.Idx < 0:
		return issuerClaims{}, fmt.Errorf("%w: issuer_jwt lacks a status reference", ErrMalformed)
	}
	jwk, err := jws.ParsePublicJWK(p.Cnf.JWK)
	if err != nil {
		return issuerClaims{}, fmt.Errorf("%w: issuer_jwt cnf.jwk is not a public key", ErrMalformed)
	}
	pub, ok := st.PublicKey(jwk)
	if !ok {
		return issuerClaims{}, fmt.Errorf("%w: issuer_jwt cnf.jwk is not a %s key like its issuer's", ErrMalformed, st.KeyName())
	}
	return issuerClaims{
		ID: p.JTI, Wanghao: p.Wanghao, ExpiresAt: time.Unix(p.Exp, 0).UTC(),
		StatusURI: sl.URI, StatusIndex: *sl.Idx, Holder: pub, Suite: st,
	}, nil
}

// headerSuite returns the crypto suite of a JWS header's alg (base64url
// JSON): ES256 or SM2.
func headerSuite(header string) (suite.Suite, error) {
	b, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return suite.Suite{}, fmt.Errorf("%w: issuer_jwt header is not base64url", ErrMalformed)
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return suite.Suite{}, fmt.Errorf("%w: issuer_jwt header: %w", ErrMalformed, err)
	}
	st, ok := suite.ForAlgorithm(jws.Algorithm(h.Alg))
	if !ok {
		return suite.Suite{}, fmt.Errorf("%w: issuer_jwt is signed with neither ES256 nor SM2", ErrMalformed)
	}
	return st, nil
}

// maxUnix is 9999-12-31T23:59:59Z.
const maxUnix = 253402300799

// decodeStrict decodes one JSON value into v with the strict decoder:
// unknown fields, duplicate keys and trailing data are refused.
func decodeStrict(b []byte, v any) error { return strictjson.Unmarshal(b, v) }

// readBounded reads a wallet file of at most maxFileSize bytes.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("wallet: reading %s: %w", filepath.Base(path), err)
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrMalformed, filepath.Base(path), maxFileSize)
	}
	return b, nil
}

// writeAtomic writes name in dir (created 0700 if missing) as a 0600 file
// through a temporary file, fsync and rename, so a reader sees either the
// old or the new file.
func writeAtomic(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("wallet: creating directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("wallet: creating temporary file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("wallet: setting file mode: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("wallet: writing %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("wallet: syncing %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("wallet: closing %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("wallet: replacing %s: %w", name, err)
	}
	done = true
	if d, err := os.Open(dir); err == nil { // make the rename durable; best effort
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
