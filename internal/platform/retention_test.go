package platform_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"testing"

	"github.com/netid-project/netid/internal/api"
	netperson "github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/platform"
	"github.com/netid-project/netid/internal/storage"
)

// keptMembers are the JSON members a stored identity may hold: those
// docs/retention.md lists as kept (checked against it by the person
// package's TestRetentionDocumented), and the format.
var keptMembers = []string{"birth_date", "face_hash", "format", "name", "nationality", "number", "sex", "type", "valid_until"}

// storedMembers opens a person's stored identity and returns its members
// and the plaintext.
func (e *env) storedMembers(p storage.Person) ([]string, []byte) {
	e.t.Helper()
	plain, err := e.p.Proofing.Sealer.Open(p.Identity, netperson.AAD(p.ID, netperson.FieldIdentity))
	if err != nil {
		e.t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(plain, &m); err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names, plain
}

// checkKept fails unless p's stored identity holds only kept fields, in
// the current format, and none of the values of pe's dropped fields.
func (e *env) checkKept(p storage.Person, pe person) {
	e.t.Helper()
	if p.IdentityFormat != netperson.FormatCurrent {
		e.t.Errorf("identity format %d, want %d", p.IdentityFormat, netperson.FormatCurrent)
	}
	names, plain := e.storedMembers(p)
	for _, n := range names {
		if !slices.Contains(keptMembers, n) {
			e.t.Errorf("the stored identity holds %q, which the platform does not keep", n)
		}
	}
	id := pe.identity
	for what, v := range map[string]string{"ethnicity": id.Ethnicity, "address": id.Address, "issuing authority": id.IssuingAuthority, "valid from": id.ValidFrom.String()} {
		if v == "" {
			e.t.Fatalf("the test person has no %s", what)
		}
		if bytes.Contains(plain, []byte(v)) {
			e.t.Errorf("the stored identity holds the %s", what)
		}
	}
}

// TestIdentityKeptFields: an issued person's stored identity holds only
// the fields a claim or check uses (docs/retention.md), on SQLite and
// PostgreSQL; a person stored whole by an older version loses the dropped
// fields when the platform starts, and their account and credential still
// work.
func TestIdentityKeptFields(t *testing.T) {
	backends(t, func(t *testing.T, db string) {
		e := newEnv(t, db)
		fresh := adult(t)
		h := e.apply(fresh)
		stored, err := e.p.Store.GetPersonByWanghao(e.ctx, h.wanghao)
		if err != nil {
			t.Fatal(err)
		}
		e.checkKept(stored, fresh)

		// A person as an older version stored them: the whole identity
		// group, in the first format.
		old := adult(t)
		oh := e.apply(old)
		oldRow, err := e.p.Store.GetPersonByWanghao(e.ctx, oh.wanghao)
		if err != nil {
			t.Fatal(err)
		}
		var faceHash []byte
		if _, err := e.p.Store.UpdatePerson(e.ctx, oldRow.ID, func(p storage.Person) (storage.Person, error) {
			kept, err := netperson.Open(e.p.Proofing.Sealer, p)
			if err != nil {
				return p, err
			}
			faceHash = kept.FaceHash
			whole, err := json.Marshal(netperson.Proofed{Identity: old.identity, FaceHash: faceHash, PersonKey: "key"})
			if err != nil {
				return p, err
			}
			sealed, err := e.p.Proofing.Sealer.Seal(whole, netperson.AAD(p.ID, netperson.FieldIdentity))
			if err != nil {
				return p, err
			}
			p.Identity, p.IdentityFormat = sealed, netperson.FormatProofed
			return p, nil
		}); err != nil {
			t.Fatal(err)
		}
		if names, _ := e.storedMembers(storedPerson(e, oldRow.ID)); !slices.Contains(names, "identity") {
			t.Fatalf("the older format was not stored: %v", names)
		}

		// The platform starting on the database reseals it.
		again, err := platform.Open(e.ctx, e.p.Config, slog.New(slog.NewTextHandler(io.Discard, nil)), platform.Options{Now: e.clock.Now, PasswordParams: fastPasswords})
		if err != nil {
			t.Fatal(err)
		}
		if err := again.Close(); err != nil {
			t.Fatal(err)
		}
		resealed := storedPerson(e, oldRow.ID)
		e.checkKept(resealed, old)
		pr, err := netperson.Open(e.p.Proofing.Sealer, resealed)
		if err != nil {
			t.Fatal(err)
		}
		id := old.identity
		if got := pr.Identity; got.Name != id.Name || got.Number != id.Number || got.Birth != id.Birth ||
			got.Sex != id.Sex || got.Type != id.Type || got.ValidUntil != id.ValidUntil || !bytes.Equal(pr.FaceHash, faceHash) {
			t.Fatalf("resealed identity opens as %+v", pr)
		}
		var acct api.Account
		must(t, e.holderCall(oh, "GET", "/v1/holder/account", nil), http.StatusOK).json(t, &acct)
		if acct.DocumentType != id.Type || acct.DocumentValidUntil != id.ValidUntil.String() {
			t.Errorf("account after resealing: %+v", acct)
		}
		// The person issued in the current format is left as it was.
		if after := storedPerson(e, stored.ID); !bytes.Equal(after.Identity, stored.Identity) {
			t.Error("a current identity was rewritten")
		}
	})
}

func storedPerson(e *env, id string) storage.Person {
	e.t.Helper()
	p, err := e.p.Store.GetPerson(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}
