package wallet

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpenWalletFile checks that parsing wallet.json never panics, and
// that a file it accepts re-encodes to a file it accepts with the same
// fields.
func FuzzOpenWalletFile(f *testing.F) {
	dir, _, _ := savedWallet(f)
	valid, err := os.ReadFile(filepath.Join(dir, WalletFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version":1,"server":"https://x","issuer_jwt":"a.b.c","locked":{}}`))
	f.Add(bytes.Replace(valid, []byte(`"version": 1`), []byte(`"version": 1, "version": 2`), 1))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := parseWallet(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(file{
			Version: FormatVersion, Server: w.Server, Wanghao: w.Wanghao, CredentialID: w.CredentialID,
			IssuerJWT: w.IssuerJWT, ExpiresAt: w.ExpiresAt, Locked: w.locked,
		})
		if err != nil {
			t.Fatal(err)
		}
		w2, err := parseWallet(out)
		if err != nil {
			t.Fatalf("re-encoded wallet does not parse: %v", err)
		}
		if w2.Server != w.Server || w2.Wanghao != w.Wanghao || w2.CredentialID != w.CredentialID ||
			w2.IssuerJWT != w.IssuerJWT || !w2.ExpiresAt.Equal(w.ExpiresAt) || !bytes.Equal(w2.aad(), w.aad()) {
			t.Fatal("re-encoded wallet differs")
		}
	})
}

// FuzzParsePending checks that parsing pending.json never panics and
// round-trips.
func FuzzParsePending(f *testing.F) {
	f.Add([]byte(`{"server":"https://x","application_id":"a","token":"t","document_path":"d","phone":"1","guardian":"G","on_behalf":true}`))
	f.Add([]byte(`{"server":"https://x"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parsePending(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := parsePending(out)
		if err != nil || p2 != p {
			t.Fatalf("round trip: %+v, %v", p2, err)
		}
	})
}

// FuzzReadDocument checks that reading a document file never panics.
func FuzzReadDocument(f *testing.F) {
	valid, err := os.ReadFile(writeDocument(f, f.TempDir(), adultBirth))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"dg1":"e30=","dg2":"/9j/","sod":"MA=="}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "doc.json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		d, err := readDocument(path)
		if err != nil {
			return
		}
		if !d.Identity.Type.Valid() || d.Identity.Number == "" || len(d.Data.DG2) == 0 {
			t.Fatal("accepted a document without type, number or face")
		}
	})
}
