package chip

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/netid-project/netid/internal/document"
)

// Data group numbers (ICAO 9303 part 10).
const (
	dgIdentity = 1 // DG1
	dgFace     = 2 // DG2
)

// lifeDate decodes a document.Date and also accepts "0000-00-00", which is
// how json.Marshal writes the zero Date of a document valid for life.
type lifeDate document.Date

// zeroDateText is the text form of the zero document.Date.
const zeroDateText = "0000-00-00"

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *lifeDate) UnmarshalText(b []byte) error {
	if string(b) == zeroDateText {
		*d = lifeDate{}
		return nil
	}
	var v document.Date
	if err := v.UnmarshalText(b); err != nil {
		return err
	}
	*d = lifeDate(v)
	return nil
}

// dg1Wire is the JSON form of DG1: document.Identity, whose valid_until may be
// the zero date. Its ValidUntil shadows the embedded one for encoding/json.
type dg1Wire struct {
	document.Identity
	ValidUntil lifeDate `json:"valid_until"`
}

// encodeDG1 encodes id as DG1.
func encodeDG1(id document.Identity) ([]byte, error) {
	b, err := json.Marshal(id)
	if err != nil {
		return nil, fmt.Errorf("chip: encoding DG1: %w", err)
	}
	return b, nil
}

// parseDG1 decodes DG1 strictly: one JSON object with exactly the Identity's
// members (each at most once, none unknown), nothing after it, a legal
// document type, and valid birth and validity dates.
func parseDG1(b []byte) (document.Identity, error) {
	if len(b) > MaxDG1Size {
		return document.Identity{}, fmt.Errorf("%w: DG1 is %d bytes, limit %d", ErrMalformed, len(b), MaxDG1Size)
	}
	var w dg1Wire
	if err := decodeStrictJSON(b, &w); err != nil {
		return document.Identity{}, fmt.Errorf("%w: DG1: %w", ErrMalformed, err)
	}
	id := w.Identity
	id.ValidUntil = document.Date(w.ValidUntil)
	if !id.Type.Valid() {
		return document.Identity{}, fmt.Errorf("%w: DG1: unknown document type", ErrMalformed)
	}
	if id.Birth.IsZero() {
		return document.Identity{}, fmt.Errorf("%w: DG1: birth_date missing", ErrMalformed)
	}
	if id.ValidFrom.IsZero() {
		return document.Identity{}, fmt.Errorf("%w: DG1: valid_from missing", ErrMalformed)
	}
	return id, nil
}

// Image signatures accepted in DG2.
var (
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pngMagic  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}
)

// checkDG2 checks that b is a JPEG or PNG image within the size limit.
func checkDG2(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: DG2 is empty", ErrMalformed)
	}
	if len(b) > MaxDG2Size {
		return fmt.Errorf("%w: DG2 is %d bytes, limit %d", ErrMalformed, len(b), MaxDG2Size)
	}
	if !bytes.HasPrefix(b, jpegMagic) && !bytes.HasPrefix(b, pngMagic) {
		return fmt.Errorf("%w: DG2 is neither JPEG nor PNG", ErrMalformed)
	}
	return nil
}
