package wallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/suite"
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
	smDir, _, _ := savedWalletSuite(f, suite.SM)
	sm, err := os.ReadFile(filepath.Join(smDir, WalletFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sm)
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

// FuzzProvenHistoryOf decodes a history page's proofs as the platform
// sends them: every hash it accepts is 32 bytes, and a proof never holds
// more than treeproof.MaxProofHashes.
func FuzzProvenHistoryOf(f *testing.F) {
	f.Add([]byte(`{"records":[{"seq":1,"time":"2026-01-01T00:00:00Z","relying_party":"x","channel":"eid","level":"","provided":null,"outcome":"approved","hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","inclusion":["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]}],"tree_head":{"size":1,"root":"x","time":"2026-01-01T00:00:00Z","signature":"a.b.c"}}`))
	f.Add([]byte(`{"records":[{"seq":1,"hash":"!"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h api.History
		if err := json.Unmarshal(b, &h); err != nil {
			return
		}
		p, err := ProvenHistoryOf(h)
		if err != nil {
			if !errors.Is(err, ErrLogUnproven) {
				t.Fatalf("error %v is not ErrLogUnproven", err)
			}
			return
		}
		for _, r := range p.Records {
			if r.Hash != nil && len(r.Hash) != 32 {
				t.Fatalf("hash of %d bytes", len(r.Hash))
			}
			for _, x := range r.Inclusion {
				if len(x) != 32 {
					t.Fatalf("proof hash of %d bytes", len(x))
				}
			}
		}
	})
}
