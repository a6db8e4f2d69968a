package wallet

// The electronic ID card (电子身份证) beside the credential: eid.json holds
// the document's attributes and face image read from its chip, sealed with
// AES-256-GCM under a key derived with Argon2id from a six-digit usage
// password, separate from the credential password, so the card can be
// shown without unlocking the credential and vice versa. It reuses
// wallet.json's box (box, aead, writeAtomic, readBounded).
//
// The usage password keeps the card from casual view on an unlocked
// device. Six digits are a million guesses: someone who copies eid.json can
// try them all offline (about a day of one core at DefaultKDF), so the file
// must stay on the device (mode 0600, like wallet.json) and a stolen file
// is not protected beyond that. A local attempt counter would not change
// this (the file can be copied back), so there is none.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/eid"
)

// EIDFile is the electronic ID card's file in the wallet directory.
const EIDFile = "eid.json"

// EIDFormatVersion is the eid.json format this package writes and reads.
const EIDFormatVersion = 1

// Errors of the electronic ID card.
var (
	// ErrNoEID: the wallet directory holds no eid.json.
	ErrNoEID = errors.New("wallet: no electronic ID card in this wallet")
	// ErrWrongUsagePassword: eid.json could not be opened with the usage
	// password: the password is wrong or the file was altered.
	ErrWrongUsagePassword = errors.New("wallet: wrong usage password, or the eID file was altered")
	// ErrUsagePassword: a new usage password is not six digits.
	ErrUsagePassword = errors.New("wallet: the usage password must be six digits")
	// ErrEIDMismatch: the document is not the one the wallet's credential
	// was issued for (type, number or name differ from its disclosures).
	ErrEIDMismatch = errors.New("wallet: the document is not the one this credential was issued for")
)

// EIDCard is the document's attributes as the wallet keeps them.
type EIDCard struct {
	// Identity is DG1: type, number, name, sex, ethnicity, birth date,
	// address, issuing authority, validity (a zero ValidUntil is 长期).
	Identity document.Identity `json:"identity"`
	// Photo is DG2, the face image (JPEG or PNG).
	Photo []byte `json:"photo"`
	// Authenticated reports whether the chip data passed passive
	// authentication against a trust list when it was added (otherwise
	// only its structure was checked).
	Authenticated bool `json:"authenticated"`
	// AddedAt is when the card was added to the wallet.
	AddedAt time.Time `json:"added_at"`
}

// eidFile is eid.json.
type eidFile struct {
	Version int `json:"version"`
	Locked  box `json:"locked"`
}

// ReadEIDDocument reads the chip data file at path (the container JSON of
// an NFC read, or `netid dev document` output) into a card. With a trust
// list it performs passive authentication (chip.Verify: SOD signature,
// chain to a trusted CA, data group hashes, document validity at now);
// without one it checks the chip's integrity (chip.CheckIntegrity: the
// data groups match the SOD, whose signature verifies with the certificate
// it carries), which detects data altered after signing but not a forged
// signer; the platform authenticated the document when it issued the
// credential, and eid add checks that the card is the credential holder's.
// Errors wrap ErrDocument and chip's sentinels.
func ReadEIDDocument(path string, trust *chip.TrustList, now time.Time) (EIDCard, error) {
	doc, err := readDocument(path)
	if err != nil {
		return EIDCard{}, err
	}
	if trust != nil {
		v, err := chip.Verify(doc.Data, trust, now)
		if err != nil {
			return EIDCard{}, fmt.Errorf("%w: %w", ErrDocument, err)
		}
		return EIDCard{Identity: v.Identity, Photo: v.FaceImage, Authenticated: true, AddedAt: now.UTC()}, nil
	}
	// No trust list: the data groups must still match the SOD, whose
	// signature must verify with the certificate it carries.
	v, err := chip.CheckIntegrity(doc.Data)
	if err != nil {
		return EIDCard{}, fmt.Errorf("%w: %w", ErrDocument, err)
	}
	if err := checkCard(EIDCard{Identity: v.Identity, Photo: v.FaceImage}); err != nil {
		return EIDCard{}, err
	}
	return EIDCard{Identity: v.Identity, Photo: v.FaceImage, AddedAt: now.UTC()}, nil
}

// checkCard checks that a card holds what a document's chip must.
func checkCard(c EIDCard) error {
	id := c.Identity
	switch {
	case !id.Type.Valid():
		return fmt.Errorf("%w: unknown document type", ErrDocument)
	case id.Number == "" || id.Name == "":
		return fmt.Errorf("%w: DG1 lacks the number or the name", ErrDocument)
	case !id.Birth.Valid() || !id.ValidFrom.Valid():
		return fmt.Errorf("%w: DG1 lacks a valid birth date or validity", ErrDocument)
	case !id.ValidUntil.IsZero() && !id.ValidUntil.Valid():
		return fmt.Errorf("%w: DG1 has an invalid end of validity", ErrDocument)
	case len(c.Photo) == 0 || len(c.Photo) > chip.MaxDG2Size:
		return fmt.Errorf("%w: DG2 is empty or too large", ErrDocument)
	case !bytes.HasPrefix(c.Photo, []byte{0xFF, 0xD8, 0xFF}) && !bytes.HasPrefix(c.Photo, []byte("\x89PNG\r\n\x1a\n")):
		return fmt.Errorf("%w: DG2 is neither JPEG nor PNG", ErrDocument)
	}
	return nil
}

// ValidUsagePassword reports whether p is a usage password: six ASCII
// digits.
func ValidUsagePassword(p string) bool {
	if len(p) != 6 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// SaveEID seals card with usagePassword (six digits) and writes eid.json
// in dir, which must hold a wallet (ErrNoWallet), replacing an earlier
// card. o.KDF zero means DefaultKDF; o.Rand nil means crypto/rand.
func SaveEID(dir string, card EIDCard, usagePassword string, o SaveOptions) error {
	if !Exists(dir) {
		return fmt.Errorf("%w (%s)", ErrNoWallet, dir)
	}
	if !ValidUsagePassword(usagePassword) {
		return ErrUsagePassword
	}
	if err := checkCard(card); err != nil {
		return err
	}
	params := o.KDF
	if params == (KDFParams{}) {
		params = DefaultKDF
	}
	if err := params.validate(); err != nil {
		return fmt.Errorf("wallet: %w", err)
	}
	rnd := o.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	plain, err := json.Marshal(card)
	if err != nil {
		return fmt.Errorf("wallet: encoding the eID card: %w", err)
	}
	defer clear(plain)
	l := box{KDF: kdfArgon2id, Params: params, Salt: make([]byte, saltLen), Cipher: cipherGCM, Nonce: make([]byte, nonceLen)}
	if _, err := io.ReadFull(rnd, l.Salt); err != nil {
		return fmt.Errorf("wallet: reading randomness: %w", err)
	}
	if _, err := io.ReadFull(rnd, l.Nonce); err != nil {
		return fmt.Errorf("wallet: reading randomness: %w", err)
	}
	g, err := aead(usagePassword, l)
	if err != nil {
		return err
	}
	l.Ciphertext = g.Seal(nil, l.Nonce, plain, eidAAD(l))
	b, err := json.MarshalIndent(eidFile{Version: EIDFormatVersion, Locked: l}, "", "  ")
	if err != nil {
		return fmt.Errorf("wallet: encoding the eID file: %w", err)
	}
	return writeAtomic(dir, EIDFile, append(b, '\n'))
}

// HasEID reports whether dir holds an eid.json.
func HasEID(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, EIDFile))
	return err == nil
}

// OpenEID opens the card in dir with its usage password. A missing file is
// ErrNoEID, a wrong password (or an altered file) ErrWrongUsagePassword, a
// file this package did not write ErrMalformed.
func OpenEID(dir, usagePassword string) (*EIDCard, error) {
	b, err := readBounded(filepath.Join(dir, EIDFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (%s)", ErrNoEID, dir)
	}
	if err != nil {
		return nil, err
	}
	var f eidFile
	if err := decodeStrict(b, &f); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, EIDFile, err)
	}
	if f.Version != EIDFormatVersion {
		return nil, fmt.Errorf("%w: %s: unsupported version %d", ErrMalformed, EIDFile, f.Version)
	}
	if err := f.Locked.check(); err != nil {
		return nil, err
	}
	if !ValidUsagePassword(usagePassword) {
		// Not a usage password, so not this card's: no need to run the KDF.
		return nil, ErrWrongUsagePassword
	}
	g, err := aead(usagePassword, f.Locked)
	if err != nil {
		return nil, err
	}
	plain, err := g.Open(nil, f.Locked.Nonce, f.Locked.Ciphertext, eidAAD(f.Locked))
	if err != nil {
		return nil, ErrWrongUsagePassword
	}
	defer clear(plain)
	var c EIDCard
	if err := decodeStrict(plain, &c); err != nil {
		return nil, fmt.Errorf("%w: sealed eID card: %w", ErrMalformed, err)
	}
	if err := checkCard(c); err != nil {
		return nil, fmt.Errorf("%w: sealed eID card: %w", ErrMalformed, err)
	}
	return &c, nil
}

// eidAAD is the additional authenticated data of eid.json's box: its
// version and the box's parameters, in a context of its own so that a
// wallet.json box cannot be passed off as an eID box or back.
func eidAAD(l box) []byte {
	b, err := json.Marshal(struct {
		Context string    `json:"context"`
		Version int       `json:"version"`
		KDF     string    `json:"kdf"`
		Params  KDFParams `json:"params"`
		Salt    []byte    `json:"salt"`
		Cipher  string    `json:"cipher"`
	}{"netid-eid", EIDFormatVersion, l.KDF, l.Params, l.Salt, l.Cipher})
	if err != nil {
		panic("wallet: encoding aad: " + err.Error()) // strings and numbers always encode
	}
	return b
}

// CheckEIDHolder checks that card is the document u's credential was
// issued for: its type, number and name equal the credential's
// document_type, document_number and name disclosures, which the credential
// must have (ErrEIDMismatch otherwise).
func CheckEIDHolder(u *Unlocked, card EIDCard) error {
	if u == nil || u.Credential == "" {
		return fmt.Errorf("wallet: checking the eID card needs an unlocked wallet")
	}
	c, err := credential.DecodeUnverified(u.Credential)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	for _, f := range []struct{ claim, want string }{
		{"document_type", string(card.Identity.Type)},
		{"document_number", card.Identity.Number},
		{"name", card.Identity.Name},
	} {
		got, ok := c.Disclosed[f.claim].(string)
		if !ok {
			return fmt.Errorf("%w: the credential does not disclose %s", ErrEIDMismatch, f.claim)
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(f.want)) != 1 {
			return fmt.Errorf("%w: %s differs", ErrEIDMismatch, f.claim)
		}
	}
	return nil
}

// EIDOnlinePayload makes an online eID QR payload (internal/eid) from an
// unlocked wallet: signed by its device key for its credential and
// platform, valid for eid.Window from now.
func EIDOnlinePayload(u *Unlocked, now time.Time, random io.Reader) (string, error) {
	key, err := unlockedKey(u)
	if err != nil {
		return "", err
	}
	return eid.SignOnline(key, u.Wallet.Server, u.Wallet.CredentialID, now, random)
}

// EIDOfflinePayload makes an offline eID QR payload (internal/eid) from an
// unlocked wallet: a presentation of its credential disclosing the claims
// in disclose (nil: eid.DefaultDisclose) for audience eid.AudienceOffline.
func EIDOfflinePayload(u *Unlocked, disclose []string, now time.Time, random io.Reader) (string, error) {
	key, err := unlockedKey(u)
	if err != nil {
		return "", err
	}
	consent, err := consentFor(u, u.Credential, u.DeviceKey, eid.AudienceOffline, now)
	if err != nil {
		return "", err
	}
	return eid.SignOfflineWithConsent(u.Credential, disclose, key, consent, now, random)
}

func unlockedKey(u *Unlocked) (*ecdsa.PrivateKey, error) {
	if u == nil || u.Wallet == nil || u.DeviceKey == nil {
		return nil, fmt.Errorf("wallet: the eID payload needs an unlocked wallet")
	}
	return u.DeviceKey, nil
}
