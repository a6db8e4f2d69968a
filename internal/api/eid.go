package api

import (
	"strings"
	"time"

	"github.com/netid-project/netid/internal/document"
)

// The in-person check of the electronic ID card, POST /v1/eid/verify
// (client authentication; the relying party must be in person).

// EIDVerifyRequest is an in-person verifier's submission: the scanned QR
// code's text (NETIDEID1.…).
type EIDVerifyRequest struct {
	Payload string `json:"payload"`
	// FullData asks, after the check, for the holder's full name and
	// document number (实名登记): only for kinds whose legal basis allows
	// it, and given only once the holder agrees on their device.
	FullData bool `json:"full_data,omitempty"`
}

// InPersonKind is the kind of in-person verifier, which bounds what it may
// see of the card.
type InPersonKind string

// In-person kinds.
const (
	InPersonHotel     InPersonKind = "hotel"
	InPersonTransport InPersonKind = "transport"
	InPersonCounter   InPersonKind = "counter"
	InPersonAgeCheck  InPersonKind = "age_check"
)

// Valid reports whether k is one of the in-person kinds.
func (k InPersonKind) Valid() bool {
	switch k {
	case InPersonHotel, InPersonTransport, InPersonCounter, InPersonAgeCheck:
		return true
	}
	return false
}

// EIDField is one item an in-person verifier may be given: the name of
// the EIDResult member that carries it.
type EIDField string

// EID fields, in the order EIDResult.Provided lists them.
const (
	EIDName       EIDField = "name_masked"
	EIDNumber     EIDField = "number_partial"
	EIDPhoto      EIDField = "photo"
	EIDSex        EIDField = "sex"
	EIDAdult      EIDField = "age_over_18"
	EIDValidUntil EIDField = "document_valid_until"
)

// Valid reports whether f is one of the eID fields.
func (f EIDField) Valid() bool {
	switch f {
	case EIDName, EIDNumber, EIDPhoto, EIDSex, EIDAdult, EIDValidUntil:
		return true
	}
	return false
}

// LongTerm is EIDResult.DocumentValidUntil for a document valid for life
// (长期).
const LongTerm = "long_term"

// EIDResult answers EIDVerifyRequest: the verdict and exactly the fields
// the verifier's kind and registration allow (Provided); the others are
// empty.
type EIDResult struct {
	Verified  bool         `json:"verified"`
	Kind      InPersonKind `json:"kind"`
	CheckedAt time.Time    `json:"checked_at"`
	Provided  []EIDField   `json:"provided"`
	// NameMasked is the name with all but its first character masked
	// (张*三); NumberPartial the document number's first 6 and last 4.
	NameMasked    string `json:"name_masked,omitempty"`
	NumberPartial string `json:"number_partial,omitempty"`
	// Photo is the document's face image as a data: URI.
	Photo string       `json:"photo,omitempty"`
	Sex   document.Sex `json:"sex,omitempty"`
	// AgeOver18 is set when EIDAdult is provided.
	AgeOver18 *bool `json:"age_over_18,omitempty"`
	// DocumentValidUntil is YYYY-MM-DD or LongTerm.
	DocumentValidUntil string `json:"document_valid_until,omitempty"`
	// FullDataRequest is set when the request asked for the full data:
	// poll GET /v1/eid/full-data/{id}.
	FullDataRequest *EIDFullDataRequest `json:"full_data_request,omitempty"`
}

// PhotoMediaType is the media type of Photo's data: URI ("" if there is
// none).
func (r EIDResult) PhotoMediaType() string {
	rest, ok := strings.CutPrefix(r.Photo, "data:")
	if !ok {
		return ""
	}
	mt, _, _ := strings.Cut(rest, ";")
	return mt
}
