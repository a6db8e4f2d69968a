package person

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/storage"
)

// Formats of a person's sealed identity (storage.Person.IdentityFormat).
const (
	// FormatNone: the person holds no sealed identity (cancelled).
	FormatNone = 0
	// FormatProofed: the whole of Proofed, the chip's identity data group
	// as read, ethnicity, address and issuing authority included. Persons
	// issued before KeptIdentity hold it until Reseal rewrites them.
	FormatProofed = 1
	// FormatKept: KeptIdentity.
	FormatKept = 2
	// FormatCurrent is the format issuance writes and Reseal brings older
	// rows to.
	FormatCurrent = FormatKept
)

// KeptIdentity is what the platform keeps of a person's identity once a
// credential is issued: only the fields a claim or a check uses. Each
// field and the reason it is kept is listed in docs/retention.md (a test
// compares the two); the chip's other fields (ethnicity 民族, address,
// issuing authority, the name in Latin letters, the first day of
// validity) are used during proofing and dropped at issuance.
type KeptIdentity struct {
	// Format is FormatKept.
	Format      int           `json:"format"`
	Type        document.Type `json:"type"`
	Number      string        `json:"number"`
	Name        string        `json:"name"`
	Sex         document.Sex  `json:"sex"`
	Nationality string        `json:"nationality,omitempty"`
	Birth       document.Date `json:"birth_date"`
	ValidUntil  document.Date `json:"valid_until"`
	FaceHash    []byte        `json:"face_hash"`
}

// Keep returns what the platform keeps of pr.
func Keep(pr Proofed) KeptIdentity {
	id := pr.Identity
	return KeptIdentity{
		Format: FormatKept,
		Type:   id.Type, Number: id.Number, Name: id.Name, Sex: id.Sex,
		Nationality: id.Nationality, Birth: id.Birth, ValidUntil: id.ValidUntil,
		FaceHash: pr.FaceHash,
	}
}

// Proofed returns k as its readers use a proofing: the kept fields of the
// identity, the face image hash, and the blind index's key (computed from
// the type and number). The minor band is not kept: readers compute it
// from the birth date on the day they need it.
func (k KeptIdentity) Proofed() Proofed {
	return Proofed{
		Identity: document.Identity{
			Type: k.Type, Number: k.Number, Name: k.Name, Sex: k.Sex,
			Nationality: k.Nationality, Birth: k.Birth, ValidUntil: k.ValidUntil,
		},
		FaceHash:  k.FaceHash,
		PersonKey: Key(k.Type, k.Number),
	}
}

// decodeIdentity decodes a person's opened identity in either format. The
// current format names itself (its format member is inside the sealed,
// authenticated bytes), so it is decoded in one pass; an identity without
// that member is decoded again as the older, whole Proofed.
func decodeIdentity(b []byte) (Proofed, error) {
	var k KeptIdentity
	if err := json.Unmarshal(b, &k); err != nil {
		return Proofed{}, err
	}
	switch k.Format {
	case FormatKept:
		return k.Proofed(), nil
	case 0: // FormatProofed carries no format member
		var pr Proofed
		if err := json.Unmarshal(b, &pr); err != nil {
			return Proofed{}, err
		}
		return pr, nil
	}
	return Proofed{}, fmt.Errorf("unknown format %d", k.Format)
}

// ResealStore is what Reseal needs of storage.
type ResealStore interface {
	storage.IdentityFormatStore
	UpdatePerson(ctx context.Context, id string, fn func(storage.Person) (storage.Person, error)) (storage.Person, error)
}

// resealBatch is how many persons Reseal reads at a time.
const resealBatch = 100

// maxResealErrors bounds the errors a Reseal run reports.
const maxResealErrors = 10

// errUnchanged leaves a person Reseal finds already rewritten.
var errUnchanged = errors.New("person: already in the current format")

// Reseal rewrites the sealed identity of every person whose identity is in
// a format older than FormatCurrent, keeping only KeptIdentity's fields,
// so that fields the platform no longer keeps leave their rows. A person
// issued meanwhile (already current) is left alone. A person whose
// identity cannot be rewritten (it does not open) does not stop the
// others: the error names them, and the next run tries them again. It
// returns how many persons it rewrote. The platform runs it at start and
// in its maintenance.
func Reseal(ctx context.Context, store ResealStore, sealer Sealer) (int, error) {
	n, after := 0, ""
	var failed []error
	for {
		batch, err := store.ListPersonsByIdentityFormat(ctx, FormatCurrent, after, resealBatch)
		if err != nil {
			return n, fmt.Errorf("person: listing identities to reseal: %w", err)
		}
		for _, p := range batch {
			after = p.ID
			_, err := store.UpdatePerson(ctx, p.ID, func(q storage.Person) (storage.Person, error) {
				if len(q.Identity) == 0 {
					if q.IdentityFormat == FormatNone {
						return q, errUnchanged
					}
					q.IdentityFormat = FormatNone
					return q, nil
				}
				if q.IdentityFormat >= FormatCurrent {
					return q, errUnchanged
				}
				pr, err := Open(sealer, q)
				if err != nil {
					return q, err
				}
				sealed, format, err := SealIdentity(sealer, q.ID, pr)
				if err != nil {
					return q, err
				}
				q.Identity, q.IdentityFormat = sealed, format
				return q, nil
			})
			switch {
			case errors.Is(err, errUnchanged), errors.Is(err, storage.ErrNotFound):
			case ctx.Err() != nil:
				return n, errors.Join(append(failed, ctx.Err())...)
			case err != nil:
				if len(failed) < maxResealErrors {
					failed = append(failed, fmt.Errorf("person: resealing %s: %w", p.ID, err))
				}
			default:
				n++
			}
		}
		if len(batch) < resealBatch {
			return n, errors.Join(failed...)
		}
	}
}
