package platform

import (
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/netid-project/netid/internal/devauthority"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/document/chip"
	"github.com/netid-project/netid/internal/suite"
)

// TestDevDocumentsFollowTheSuite: the development document authority of a
// platform signs with the platform's suite, and the trust list the
// platform verifies documents with accepts what it mints.
func TestDevDocumentsFollowTheSuite(t *testing.T) {
	for _, st := range suite.All() {
		t.Run(st.String(), func(t *testing.T) {
			trust := trustLists{
				documents:     chip.NewTrustList(),
				liveness:      map[string]jose.JSONWebKeySet{},
				relationships: map[string]jose.JSONWebKeySet{},
			}
			dir := t.TempDir()
			dev, err := devAuthorities(dir, trust, time.Now, st)
			if err != nil {
				t.Fatal(err)
			}
			if dev.Documents.Suite() != st || trust.documents.Len() != 1 {
				t.Fatalf("authority of suite %s, %d trusted CAs", dev.Documents.Suite(), trust.documents.Len())
			}
			birth, err := document.ParseDate("1990-01-02")
			if err != nil {
				t.Fatal(err)
			}
			id := document.Identity{Type: document.ResidentIDCard, Number: "11010519491231002X", Name: "测试",
				Sex: document.Female, Birth: birth, IssuingAuthority: "测试公安局", ValidFrom: document.DateOf(time.Now().AddDate(-1, 0, 0))}
			data, err := dev.Documents.Mint(id, devauthority.FaceImage(id.Name), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := chip.Verify(data, trust.documents, time.Now()); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			other := suite.ES256
			if st == suite.ES256 {
				other = suite.SM
			}
			if _, err := devAuthorities(dir, trust, time.Now, other); err == nil {
				t.Fatalf("a %s platform started on the %s development authority", other, st)
			}
		})
	}
}
