package eidverify

import (
	"slices"
	"strings"

	"github.com/netid-project/netid/internal/relyingparty"
	"github.com/netid-project/netid/internal/storage"
)

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
var kindFields = map[relyingparty.InPersonKind][]Field{
	// Hotels register a guest's identity and must not lodge a minor
	// alone without checking: name, number, face, sex, age, validity.
	relyingparty.KindHotel: {FieldName, FieldNumber, FieldPhoto, FieldSex, FieldAdult, FieldValidUntil},
	// Real-name tickets are checked against name and number; the face
	// confirms the traveller.
	relyingparty.KindTransport: {FieldName, FieldNumber, FieldPhoto, FieldValidUntil},
	// Counters see what a hotel sees (services differ by age and sex).
	relyingparty.KindCounter: {FieldName, FieldNumber, FieldPhoto, FieldSex, FieldAdult, FieldValidUntil},
	// Age-restricted retail learns only whether the holder is an adult.
	relyingparty.KindAgeCheck: {FieldAdult},
}

// KindFields returns the fields kind may see at most (before the relying
// party's registration narrows them), in canonical order; nil for an
// unknown kind.
func KindFields(k relyingparty.InPersonKind) []Field { return slices.Clone(kindFields[k]) }

// Policy returns the kind of rp and the fields it is given: its kind's
// fields whose claim it is registered for, in canonical order. Errors wrap
// relyingparty.ErrNotInPerson (see relyingparty.InPersonKindOf).
func Policy(rp storage.RelyingParty) (relyingparty.InPersonKind, []Field, error) {
	k, err := relyingparty.InPersonKindOf(rp)
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

// fullDataKinds are the kinds whose legal basis requires registering a
// person's full name and document number (实名登记): hotels (《旅馆业治安管
// 理办法》) and service counters. Transport checks a ticket against its
// traveller and keeps nothing; age checks learn only the age marker.
var fullDataKinds = []relyingparty.InPersonKind{relyingparty.KindHotel, relyingparty.KindCounter}

// FullDataAllowed reports whether rp may ask for a full-data check: its
// kind is one whose legal basis requires registration, and it is
// registered for the name and document number claims. The holder still
// decides each time.
func FullDataAllowed(rp storage.RelyingParty) bool {
	k, err := relyingparty.InPersonKindOf(rp)
	if err != nil || !slices.Contains(fullDataKinds, k) {
		return false
	}
	return slices.Contains(rp.AllowedClaims, relyingparty.ClaimName) && slices.Contains(rp.AllowedClaims, relyingparty.ClaimDocumentNumber)
}
