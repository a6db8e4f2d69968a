package relyingparty

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/netid-project/netid/internal/storage"
)

// InPersonKind is the kind of in-person check an in-person relying party
// (storage.CategoryInPerson) makes: it decides what the verifier may see
// of an electronic ID card (package eidverify). The kind is named at the
// start of the relying party's legal basis, before a colon ("hotel:
// 《旅馆业治安管理办法》"); an in-person relying party without a legal
// basis is KindAgeCheck.
type InPersonKind string

// Kinds of in-person relying parties.
const (
	// KindHotel: hotels and other lodging registering guests (旅馆业).
	KindHotel InPersonKind = "hotel"
	// KindTransport: stations, airports and ports checking a real-name
	// ticket against its traveller.
	KindTransport InPersonKind = "transport"
	// KindCounter: government and public service counters (政务服务).
	KindCounter InPersonKind = "counter"
	// KindAgeCheck: age-restricted retail (tobacco, alcohol, internet
	// cafés): only whether the holder is an adult.
	KindAgeCheck InPersonKind = "age_check"
)

// InPersonKinds lists every kind, from the most to the least informed.
var InPersonKinds = []InPersonKind{KindCounter, KindHotel, KindTransport, KindAgeCheck}

// ErrNotInPerson: the relying party is not registered as an in-person
// verifier of a known kind.
var ErrNotInPerson = errors.New("relying party not registered for in-person checks")

// ParseInPersonKind parses a kind's name; errors wrap ErrNotInPerson.
func ParseInPersonKind(s string) (InPersonKind, error) {
	k := InPersonKind(s)
	if !slices.Contains(InPersonKinds, k) {
		return "", fmt.Errorf("%w: unknown in-person kind", ErrNotInPerson)
	}
	return k, nil
}

// InPersonKindOf returns the kind of an in-person relying party, read from
// the start of its legal basis. Errors wrap ErrNotInPerson: the category
// is not storage.CategoryInPerson, or the legal basis names no known kind.
func InPersonKindOf(rp storage.RelyingParty) (InPersonKind, error) {
	if rp.Category != storage.CategoryInPerson {
		return "", fmt.Errorf("%w: the relying party's category is not %s", ErrNotInPerson, storage.CategoryInPerson)
	}
	basis := strings.TrimSpace(rp.LegalBasis)
	if basis == "" {
		return KindAgeCheck, nil
	}
	head, _, ok := cutColon(basis)
	if !ok {
		return "", fmt.Errorf("%w: the legal basis names no in-person kind (it must start with one of %s and a colon)", ErrNotInPerson, kindNames())
	}
	k, err := ParseInPersonKind(strings.TrimSpace(head))
	if err != nil {
		return "", fmt.Errorf("%w: the legal basis names no in-person kind (it must start with one of %s and a colon)", ErrNotInPerson, kindNames())
	}
	return k, nil
}

// checkInPerson adds a problem to v if r is an in-person registration whose
// legal basis names no known kind.
func checkInPerson(r Registration, v *validator) {
	if r.Category != storage.CategoryInPerson {
		return
	}
	if _, err := InPersonKindOf(storage.RelyingParty{Category: r.Category, LegalBasis: r.LegalBasis}); err != nil {
		v.add("legal_basis", fmt.Sprintf("for an in_person relying party it must be empty (an age check) or start with one of %s and a colon", kindNames()))
	}
}

// cutColon cuts s at its first ASCII or full-width colon.
func cutColon(s string) (before, after string, found bool) {
	i := strings.IndexAny(s, ":：")
	if i < 0 {
		return s, "", false
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return s[:i], s[i+n:], true
}

func kindNames() string {
	names := make([]string, len(InPersonKinds))
	for i, k := range InPersonKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
