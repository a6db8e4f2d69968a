package wallet

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/credential"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/eid"
	"github.com/netid-project/netid/internal/netnum"
)

const testUsagePassword = "482913"

// eidIdentity is the holder of the eID tests' document.
var eidIdentity = document.Identity{
	Type: document.ResidentIDCard, Number: "440524188001010014", Name: "李四", Sex: document.Male,
	Ethnicity: "汉", Birth: document.Date{Year: 1880, Month: 1, Day: 1}, Address: "广东省汕头市潮阳区某路1号",
	IssuingAuthority: "汕头市公安局潮阳分局", ValidFrom: document.Date{Year: 2020, Month: 1, Day: 1},
}

// eidPKI is a test CA and document signer.
type eidPKI struct {
	trust  *chip.TrustList
	signer chip.Signer
}

func newEIDPKI(t testing.TB) eidPKI {
	t.Helper()
	ca, caKey, err := chip.NewCA("Test CSCA", testNow.AddDate(-1, 0, 0), testNow.AddDate(10, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	s, err := chip.NewDocumentSigner(ca, caKey, "Test DS", testNow.AddDate(-1, 0, 0), testNow.AddDate(5, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return eidPKI{trust: chip.NewTrustList(ca), signer: s}
}

// writeChipFile writes chip data for id, signed by p, and returns its path;
// edit, if not nil, changes the data after signing.
func (p eidPKI) writeChipFile(t testing.TB, id document.Identity, edit func(*chip.Data)) string {
	t.Helper()
	d, err := p.signer.Sign(id, testFace, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(&d)
	}
	b, err := d.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "doc.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// eidWallet saves, in a new directory, a credential issued for id the way
// the platform issues it (document and name disclosures).
func eidWallet(t testing.TB, id document.Identity) (string, *Unlocked) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "wallet")
	key := newDeviceKey(t)
	wh, err := netnum.New(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := credential.Issuer{Key: newDeviceKey(t), KeyID: testKID}.Issue(credential.Claims{
		ID: "cred-eid", Issuer: testServer, VCT: credential.VCTWangzheng, Wanghao: wh,
		IssuedAt: testNow, ExpiresAt: testNow.AddDate(1, 0, 0),
		Holder: &jose.JSONWebKey{Key: &key.PublicKey},
		Status: credential.Status{URI: testServer + "/status/1", Index: 7},
		Disclosable: map[string]any{
			"age_over_18": true, "name": id.Name, "document_type": string(id.Type), "document_number": id.Number,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	w, err := Save(dir, testServer, sd, key, testPassword, SaveOptions{KDF: testKDF})
	if err != nil {
		t.Fatal(err)
	}
	u, err := w.Unlock(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	return dir, u
}

func TestReadEIDDocument(t *testing.T) {
	p := newEIDPKI(t)
	good := p.writeChipFile(t, eidIdentity, nil)
	card, err := ReadEIDDocument(good, p.trust, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(card.Identity, eidIdentity) || !bytes.Equal(card.Photo, testFace) || !card.Authenticated || !card.AddedAt.Equal(testNow) {
		t.Fatalf("card %+v", card)
	}
	unauth, err := ReadEIDDocument(good, nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if unauth.Authenticated || !reflect.DeepEqual(unauth.Identity, eidIdentity) {
		t.Fatalf("without a trust list: %+v", unauth)
	}

	otherDG1, _ := json.Marshal(document.Identity{Type: eidIdentity.Type, Number: eidIdentity.Number, Name: "王五",
		Sex: document.Male, Birth: eidIdentity.Birth, IssuingAuthority: "x", ValidFrom: eidIdentity.ValidFrom})
	for _, tc := range []struct {
		name  string
		path  string
		trust *chip.TrustList
		want  []error
	}{
		{"other CA", good, newEIDPKI(t).trust, []error{ErrDocument, chip.ErrUntrusted}},
		{"DG1 changed", p.writeChipFile(t, eidIdentity, func(d *chip.Data) { d.DG1 = otherDG1 }), p.trust, []error{ErrDocument, chip.ErrHashMismatch}},
		{"DG2 changed", p.writeChipFile(t, eidIdentity, func(d *chip.Data) { d.DG2 = append(bytes.Clone(testFace), 0) }), p.trust, []error{ErrDocument, chip.ErrHashMismatch}},
		{"expired document", p.writeChipFile(t, func() document.Identity {
			id := eidIdentity
			id.ValidUntil = document.Date{Year: 2025, Month: 1, Day: 1}
			return id
		}(), nil), p.trust, []error{ErrDocument, chip.ErrDocumentExpired}},
		{"DG1 changed, no trust list", p.writeChipFile(t, eidIdentity, func(d *chip.Data) { d.DG1 = otherDG1 }), nil, []error{ErrDocument, chip.ErrHashMismatch}},
		{"DG2 changed, no trust list", p.writeChipFile(t, eidIdentity, func(d *chip.Data) { d.DG2 = append(bytes.Clone(testFace), 0) }), nil, []error{ErrDocument, chip.ErrHashMismatch}},
		{"DG2 not an image, no trust list", p.writeChipFile(t, eidIdentity, func(d *chip.Data) { d.DG2 = []byte("GIF89a") }), nil, []error{ErrDocument}},
		{"DG1 unknown member, no trust list", p.writeChipFile(t, eidIdentity, func(d *chip.Data) { d.DG1 = []byte(`{"type":"resident_id_card","x":1}`) }), nil, []error{ErrDocument}},
		{"DG1 without a name, no trust list", p.writeChipFile(t, eidIdentity, func(d *chip.Data) {
			d.DG1 = bytes.Replace(d.DG1, []byte(`"name":"李四"`), []byte(`"name":""`), 1)
		}), nil, []error{ErrDocument}},
		{"missing file", filepath.Join(t.TempDir(), "none.json"), nil, []error{ErrDocument}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadEIDDocument(tc.path, tc.trust, testNow)
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Fatalf("err = %v, want %v", err, w)
				}
			}
			if err != nil && (strings.Contains(err.Error(), eidIdentity.Number) || strings.Contains(err.Error(), eidIdentity.Name)) {
				t.Fatalf("error holds personal data: %v", err)
			}
		})
	}
}

func TestEIDSaveOpen(t *testing.T) {
	p := newEIDPKI(t)
	dir, u := eidWallet(t, eidIdentity)
	card, err := ReadEIDDocument(p.writeChipFile(t, eidIdentity, nil), p.trust, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckEIDHolder(u, card); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenEID(dir, testUsagePassword); !errors.Is(err, ErrNoEID) {
		t.Fatalf("before saving: %v", err)
	}
	for _, bad := range []string{"", "12345", "1234567", "12345a", "１２３４５６", testPassword} {
		if err := SaveEID(dir, card, bad, SaveOptions{KDF: testKDF}); !errors.Is(err, ErrUsagePassword) {
			t.Errorf("usage password %q: %v", bad, err)
		}
	}
	if err := SaveEID(filepath.Join(t.TempDir(), "empty"), card, testUsagePassword, SaveOptions{KDF: testKDF}); !errors.Is(err, ErrNoWallet) {
		t.Fatalf("no wallet: %v", err)
	}
	if err := SaveEID(dir, EIDCard{Identity: card.Identity}, testUsagePassword, SaveOptions{KDF: testKDF}); !errors.Is(err, ErrDocument) {
		t.Fatalf("no photo: %v", err)
	}
	if err := SaveEID(dir, card, testUsagePassword, SaveOptions{KDF: testKDF}); err != nil {
		t.Fatal(err)
	}
	if !HasEID(dir) {
		t.Fatal("HasEID is false after SaveEID")
	}
	fi, err := os.Stat(filepath.Join(dir, EIDFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("eid.json mode %v, %v", fi.Mode(), err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, EIDFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(eidIdentity.Number)) || bytes.Contains(raw, []byte("李四")) {
		t.Fatal("eid.json holds the attributes in the clear")
	}
	got, err := OpenEID(dir, testUsagePassword)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, card) {
		t.Fatalf("opened %+v, want %+v", *got, card)
	}
	for _, wrong := range []string{"482914", "000000", "", "not six"} {
		if _, err := OpenEID(dir, wrong); !errors.Is(err, ErrWrongUsagePassword) {
			t.Errorf("password %q: %v", wrong, err)
		}
	}
	// The credential password does not open the card, nor the usage
	// password the credential.
	if _, err := OpenEID(dir, testPassword); !errors.Is(err, ErrWrongUsagePassword) {
		t.Errorf("credential password opened the card: %v", err)
	}
	if _, err := u.Wallet.Unlock(testUsagePassword); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("usage password opened the credential: %v", err)
	}
}

func TestEIDTampered(t *testing.T) {
	p := newEIDPKI(t)
	dir, _ := eidWallet(t, eidIdentity)
	card, err := ReadEIDDocument(p.writeChipFile(t, eidIdentity, nil), nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := SaveEID(dir, card, testUsagePassword, SaveOptions{KDF: testKDF}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, EIDFile)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(orig, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	locked := func(m map[string]any) map[string]any { return m["locked"].(map[string]any) }
	flip := func(s string) string {
		b := decodeB64(t, s)
		b[len(b)-1] ^= 1
		return base64.StdEncoding.EncodeToString(b)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"ciphertext", edit(func(m map[string]any) { locked(m)["ciphertext"] = flip(locked(m)["ciphertext"].(string)) }), ErrWrongUsagePassword},
		{"salt", edit(func(m map[string]any) { locked(m)["salt"] = flip(locked(m)["salt"].(string)) }), ErrWrongUsagePassword},
		{"kdf time", edit(func(m map[string]any) { locked(m)["params"].(map[string]any)["t"] = 2 }), ErrWrongUsagePassword},
		{"version", edit(func(m map[string]any) { m["version"] = 2 }), ErrMalformed},
		{"unknown member", edit(func(m map[string]any) { m["name"] = "x" }), ErrMalformed},
		{"kdf memory huge", edit(func(m map[string]any) { locked(m)["params"].(map[string]any)["m"] = 1 << 30 }), ErrMalformed},
		{"not JSON", []byte("eid"), ErrMalformed},
		{"too large", bytes.Repeat([]byte(" "), maxFileSize+1), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, tc.b, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := OpenEID(dir, testUsagePassword); !errors.Is(err, tc.want) {
				t.Fatalf("OpenEID = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCheckEIDHolder(t *testing.T) {
	_, u := eidWallet(t, eidIdentity)
	card := EIDCard{Identity: eidIdentity, Photo: testFace}
	if err := CheckEIDHolder(u, card); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*document.Identity){
		"other number": func(id *document.Identity) { id.Number = "11010119900307001X" },
		"other name":   func(id *document.Identity) { id.Name = "王五" },
		"other type":   func(id *document.Identity) { id.Type = document.Passport },
	} {
		c := card
		edit(&c.Identity)
		if err := CheckEIDHolder(u, c); !errors.Is(err, ErrEIDMismatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A credential without the document disclosures cannot vouch.
	dir, _, _ := savedWallet(t)
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	u2, err := w.Unlock(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckEIDHolder(u2, card); !errors.Is(err, ErrEIDMismatch) {
		t.Errorf("credential without document claims: %v", err)
	}
	if err := CheckEIDHolder(nil, card); err == nil {
		t.Error("nil wallet accepted")
	}
}

func TestEIDPayloads(t *testing.T) {
	_, u := eidWallet(t, eidIdentity)
	p, err := EIDOnlinePayload(u, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := eid.ParseOnline(p)
	if err != nil {
		t.Fatal(err)
	}
	if o.Claims.CredentialID != u.Wallet.CredentialID || o.Claims.Issuer != testServer {
		t.Fatalf("claims %+v", o.Claims)
	}
	if err := o.Verify(&u.DeviceKey.PublicKey, testNow); err != nil {
		t.Fatal(err)
	}
	off, err := EIDOfflinePayload(u, []string{"age_over_18", "name"}, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	pres, nonce, err := eid.ParseOffline(off)
	if err != nil || nonce == "" {
		t.Fatalf("ParseOffline: %v", err)
	}
	c, err := credential.DecodeUnverified(strings.TrimSuffix(pres, pres[strings.LastIndexByte(pres, '~')+1:]))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Disclosed) != 2 || c.Disclosed["name"] != eidIdentity.Name {
		t.Fatalf("disclosed %v", c.Disclosed)
	}
	for _, bad := range []*Unlocked{nil, {Wallet: u.Wallet}, {DeviceKey: u.DeviceKey}} {
		if _, err := EIDOnlinePayload(bad, testNow, nil); err == nil {
			t.Error("EIDOnlinePayload without an unlocked wallet")
		}
		if _, err := EIDOfflinePayload(bad, nil, testNow, nil); err == nil {
			t.Error("EIDOfflinePayload without an unlocked wallet")
		}
	}
}
