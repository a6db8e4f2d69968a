package lifecycle

import (
	"context"
	"errors"
	"fmt"

	"github.com/netid-project/netid/internal/person"
	"github.com/netid-project/netid/internal/storage"
)

// Ages at which a guardian's role changes.
const (
	// ConsentAge: from 14 a ward uses their credential without the
	// guardian's consent, and their records are their own.
	ConsentAge = 14
	// AdultAge: at 18 supervision ends; the ward is no longer listed.
	AdultAge = 18
)

// Ward is a minor under a guardian's supervision, as the guardian sees
// them.
type Ward struct {
	// PersonID identifies the ward in the guardian API (their records:
	// GET /v1/guardian/wards/{id}/history while under 14).
	PersonID string
	// Name is masked (张*三).
	Name string
	Age  int
	// ConsentNeeded: the ward is under 14, so the guardian consents to
	// each relying party's first use, and sees the ward's records.
	ConsentNeeded bool
}

// Wards lists the persons whose guardian is guardianID and who are still
// minors today, oldest record first. A ward who turned 18 is no longer
// listed; cancelled wards neither.
func (s *Service) Wards(ctx context.Context, guardianID string) ([]Ward, error) {
	list, err := s.Store.ListWards(ctx, guardianID)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: listing wards: %w", err)
	}
	today := s.today()
	out := []Ward{}
	for _, w := range list {
		if w.State != storage.PersonActive || len(w.Identity) == 0 {
			continue
		}
		pr, err := person.Open(s.Sealer, w)
		if err != nil {
			return nil, err
		}
		age := pr.Identity.Birth.AgeOn(today)
		if age >= AdultAge {
			continue
		}
		out = append(out, Ward{PersonID: w.ID, Name: person.MaskName(pr.Identity.Name), Age: age, ConsentNeeded: age < ConsentAge})
	}
	return out, nil
}

func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
