package eidverify

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

// Kind is the kind of in-person check a relying party makes.
type Kind string

// Kinds of in-person relying parties.
const (
	// KindHotel: hotels and other lodging registering guests (旅馆业).
	KindHotel Kind = "hotel"
	// KindTransport: stations, airports and ports checking a real-name
	// ticket against its traveller.
	KindTransport Kind = "transport"
	// KindCounter: government and public service counters (政务服务).
	KindCounter Kind = "counter"
	// KindAgeCheck: age-restricted retail (tobacco, alcohol, internet
	// cafés): only whether the holder is an adult.
	KindAgeCheck Kind = "age_check"
)

// Kinds lists every kind, from the most to the least informed.
var Kinds = []Kind{KindCounter, KindHotel, KindTransport, KindAgeCheck}

// Field is one item an in-person verifier may be given.
type Field string

// Fields, in the order they are listed in answers and records.
const (
	// FieldName is the masked name: the first character, then one '*' per
	// hidden character, then the last character for names of three or more
	// characters (张三 → 张*, 张小三 → 张*三, 欧阳小三 → 欧**三).
	FieldName Field = "name_masked"
	// FieldNumber is the partial document number: for numbers of 15 or more
	// characters (resident ID cards, residence permits, permanent residence
	// IDs) the first 6 (the region code) and the last 4, for shorter ones
	// (travel permits, passports) the first 2 and the last 2; every hidden
	// character is a '*', so the length shows (110105********0013).
	FieldNumber Field = "number_partial"
	// FieldPhoto is the document's face image, for the verifier to compare
	// with the person in front of them.
	FieldPhoto Field = "photo"
	// FieldSex is the sex recorded on the document (M or F).
	FieldSex Field = "sex"
	// FieldAdult is the age marker: whether the holder is 18 or older today
	// (China time), not the birth date.
	FieldAdult Field = "age_over_18"
	// FieldValidUntil is the document's last valid day, or LongTerm.
	FieldValidUntil Field = "document_valid_until"
)

// LongTerm is FieldValidUntil's value for a document valid for life (长期).
const LongTerm = "long_term"

// fieldOrder is every field in canonical order.
var fieldOrder = []Field{FieldName, FieldNumber, FieldPhoto, FieldSex, FieldAdult, FieldValidUntil}

// Fields returns every field in canonical order (a fresh copy).
func Fields() []Field { return slices.Clone(fieldOrder) }

// Claim is the registered claim (package relyingparty) a relying party
// needs for the field. The photo has no claim of its own in the claim
// vocabulary; it needs the name claim: a face identifies a person at least
// as well as their name, so a relying party not registered to learn who
// the person is does not see their face either.
func (f Field) Claim() string {
	switch f {
	case FieldName:
		return relyingparty.ClaimName
	case FieldPhoto:
		return relyingparty.ClaimPhoto
	case FieldNumber:
		return relyingparty.ClaimDocumentNumber
	case FieldSex:
		return relyingparty.ClaimSex
	case FieldAdult:
		return relyingparty.ClaimAgeOver18
	case FieldValidUntil:
		return relyingparty.ClaimDocumentValidUntil
	}
	return ""
}

// kindFields is the category policy: what each kind may see at most.
var kindFields = map[Kind][]Field{
	// Hotels register a guest's identity and must not lodge a minor
	// alone without checking: name, number, face, sex, age, validity.
	KindHotel: {FieldName, FieldNumber, FieldPhoto, FieldSex, FieldAdult, FieldValidUntil},
	// Real-name tickets are checked against name and number; the face
	// confirms the traveller.
	KindTransport: {FieldName, FieldNumber, FieldPhoto, FieldValidUntil},
	// Counters see what a hotel sees (services differ by age and sex).
	KindCounter: {FieldName, FieldNumber, FieldPhoto, FieldSex, FieldAdult, FieldValidUntil},
	// Age-restricted retail learns only whether the holder is an adult.
	KindAgeCheck: {FieldAdult},
}

// KindFields returns the fields kind may see at most (before the relying
// party's registration narrows them), in canonical order; nil for an
// unknown kind.
func KindFields(k Kind) []Field { return slices.Clone(kindFields[k]) }

// ParseKind parses a kind's name.
func ParseKind(s string) (Kind, error) {
	k := Kind(s)
	if _, ok := kindFields[k]; !ok {
		return "", fmt.Errorf("%w: unknown in-person kind", ErrNotInPerson)
	}
	return k, nil
}

// KindOf returns the kind of an in-person relying party, read from the
// start of its legal basis ("hotel: …", see the package documentation); a
// relying party without a legal basis is KindAgeCheck. Errors wrap
// ErrNotInPerson: the category is not storage.CategoryInPerson, or the
// legal basis names no known kind.
func KindOf(rp storage.RelyingParty) (Kind, error) {
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
	k, err := ParseKind(strings.TrimSpace(head))
	if err != nil {
		return "", fmt.Errorf("%w: the legal basis names no in-person kind (it must start with one of %s and a colon)", ErrNotInPerson, kindNames())
	}
	return k, nil
}

// CheckLegalBasis checks, at registration, the legal basis of an in-person
// relying party: empty (an age check) or naming a known kind before a
// colon. It is relyingparty.Registry.InPersonBasis.
func CheckLegalBasis(legalBasis string) error {
	_, err := KindOf(storage.RelyingParty{Category: storage.CategoryInPerson, LegalBasis: legalBasis})
	if err != nil {
		return fmt.Errorf("for an in_person relying party it must be empty (an age check) or start with one of %s and a colon", kindNames())
	}
	return nil
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
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// Policy returns the kind of rp and the fields it is given: its kind's
// fields whose claim it is registered for, in canonical order. Errors wrap
// ErrNotInPerson (see KindOf).
func Policy(rp storage.RelyingParty) (Kind, []Field, error) {
	k, err := KindOf(rp)
	if err != nil {
		return "", nil, err
	}
	var out []Field
	for _, f := range kindFields[k] {
		if slices.Contains(rp.AllowedClaims, f.Claim()) {
			out = append(out, f)
		}
	}
	return k, out, nil
}

// MaskName masks a name for FieldName: the first character, then '*' for
// each hidden character, then the last character if the name has three or
// more characters. A name of one character is all '*'. Characters are
// Unicode code points; invalid UTF-8 counts byte by byte.
func MaskName(name string) string {
	r := []rune(name)
	switch n := len(r); {
	case n == 0:
		return ""
	case n == 1:
		return "*"
	case n == 2:
		return string(r[0]) + "*"
	default:
		return string(r[0]) + strings.Repeat("*", n-2) + string(r[n-1])
	}
}

// MaskNumber masks a document number for FieldNumber: the first 6 and last
// 4 characters of a number of 15 or more, the first 2 and last 2 of a
// number of 8 to 14, nothing of a shorter one; each hidden character is a
// '*'.
func MaskNumber(number string) string {
	r := []rune(number)
	n := len(r)
	head, tail := 0, 0
	switch {
	case n >= 15:
		head, tail = 6, 4
	case n >= 8:
		head, tail = 2, 2
	}
	return string(r[:head]) + strings.Repeat("*", n-head-tail) + string(r[n-tail:])
}
