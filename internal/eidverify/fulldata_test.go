package eidverify

import (
	"testing"

	"github.com/netid-project/netid/internal/storage"
)

// TestFullDataAllowed: only the kinds whose legal basis requires
// registration, and only when registered for the name and the number.
func TestFullDataAllowed(t *testing.T) {
	both := []string{"name", "document_number", "photo"}
	for _, tc := range []struct {
		name   string
		rp     storage.RelyingParty
		allows bool
	}{
		{"hotel", storage.RelyingParty{Category: storage.CategoryInPerson, LegalBasis: "hotel: x", AllowedClaims: both}, true},
		{"counter, full-width colon", storage.RelyingParty{Category: storage.CategoryInPerson, LegalBasis: "counter：政务服务实名核验", AllowedClaims: both}, true},
		{"transport", storage.RelyingParty{Category: storage.CategoryInPerson, LegalBasis: "transport: x", AllowedClaims: both}, false},
		{"age check", storage.RelyingParty{Category: storage.CategoryInPerson, AllowedClaims: both}, false},
		{"hotel without the number", storage.RelyingParty{Category: storage.CategoryInPerson, LegalBasis: "hotel: x", AllowedClaims: []string{"name", "photo"}}, false},
		{"hotel without the name", storage.RelyingParty{Category: storage.CategoryInPerson, LegalBasis: "hotel: x", AllowedClaims: []string{"document_number"}}, false},
		{"online relying party", storage.RelyingParty{Category: storage.CategoryInternetService, LegalBasis: "hotel: x", AllowedClaims: both}, false},
	} {
		if got := FullDataAllowed(tc.rp); got != tc.allows {
			t.Errorf("%s: FullDataAllowed = %v, want %v", tc.name, got, tc.allows)
		}
	}
}
