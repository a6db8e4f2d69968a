package person

import (
	"encoding/json"
	"fmt"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/storage"
)

// Sealer encrypts personal data at rest (keys.Sealer): each ciphertext is
// bound to its additional data, so a sealed field cannot be moved to
// another person or field.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(ciphertext, aad []byte) ([]byte, error)
}

// Sealed fields of a person (storage.Person), each sealed under AAD(id,
// field).
const (
	FieldIdentity = "identity"
	FieldPhone    = "phone"
	FieldPhoto    = "photo"
)

// Opener opens sealed personal data: what reading a person needs of a
// Sealer.
type Opener interface {
	Open(ciphertext, aad []byte) ([]byte, error)
}

// AAD binds a person's sealed field to the person.
func AAD(personID, field string) []byte { return []byte("person:" + personID + ":" + field) }

// Minor bands, counted from the document's birth date.
const (
	MinorNone    = ""
	MinorUnder14 = "under_14"
	Minor14To17  = "14_to_17"
)

// MinorBand is the minor band of a person born on birth, on today.
func MinorBand(birth, today document.Date) string {
	switch age := birth.AgeOn(today); {
	case age < 14:
		return MinorUnder14
	case age < 18:
		return Minor14To17
	}
	return MinorNone
}

// Proofed is what a proofing proved: the identity read from the document's
// chip, the hash of its face image, the minor band and the key of the
// blind index. It is sealed whole on the application while proofing; at
// issuance the person keeps only its KeptIdentity (FieldIdentity), which
// the latest proofing replaces.
type Proofed struct {
	Identity  document.Identity `json:"identity"`
	FaceHash  []byte            `json:"face_hash"`
	Minor     string            `json:"minor,omitempty"`
	PersonKey string            `json:"person_key"`
	// Photo is the chip's face image, kept on the application until
	// issuance moves it to the person, sealed apart (FieldPhoto): most
	// readers of the identity need no photo.
	Photo []byte `json:"photo,omitempty"`
}

// Key is the canonical key of a person's document identity, from which the
// blind index is computed: the document type and the normalised number.
func Key(t document.Type, normalizedNumber string) string {
	return string(t) + ":" + normalizedNumber
}

// Open opens what the platform keeps of the latest proofing of p, in
// either format: of an identity in FormatKept only the kept fields are
// set (see KeptIdentity.Proofed).
func Open(sealer Opener, p storage.Person) (Proofed, error) {
	b, err := sealer.Open(p.Identity, AAD(p.ID, FieldIdentity))
	if err != nil {
		return Proofed{}, fmt.Errorf("person: opening identity: %w", err)
	}
	pr, err := decodeIdentity(b)
	if err != nil {
		return Proofed{}, fmt.Errorf("person: decoding identity: %w", err)
	}
	return pr, nil
}

// SealIdentity seals what the platform keeps of pr (its KeptIdentity; the
// photo is sealed apart with SealField) for person personID, and returns
// the format it wrote (storage.Person.IdentityFormat).
func SealIdentity(sealer Sealer, personID string, pr Proofed) ([]byte, int, error) {
	b, err := json.Marshal(Keep(pr))
	if err != nil {
		return nil, 0, fmt.Errorf("person: encoding identity: %w", err)
	}
	sealed, err := sealer.Seal(b, AAD(personID, FieldIdentity))
	if err != nil {
		return nil, 0, fmt.Errorf("person: sealing identity: %w", err)
	}
	return sealed, FormatCurrent, nil
}

// SealField seals plaintext as field of person personID.
func SealField(sealer Sealer, personID, field string, plaintext []byte) ([]byte, error) {
	sealed, err := sealer.Seal(plaintext, AAD(personID, field))
	if err != nil {
		return nil, fmt.Errorf("person: sealing %s: %w", field, err)
	}
	return sealed, nil
}

// OpenField opens field of p (FieldPhone or FieldPhoto).
func OpenField(sealer Sealer, p storage.Person, field string) ([]byte, error) {
	var sealed []byte
	switch field {
	case FieldPhone:
		sealed = p.Phone
	case FieldPhoto:
		sealed = p.Photo
	case FieldIdentity:
		sealed = p.Identity
	default:
		return nil, fmt.Errorf("person: no sealed field %q", field)
	}
	b, err := sealer.Open(sealed, AAD(p.ID, field))
	if err != nil {
		return nil, fmt.Errorf("person: opening %s: %w", field, err)
	}
	return b, nil
}
