package chip

import (
	"encoding/base64"
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by [Parse] and [Verify] wraps exactly
// one of them, with detail that never contains personal data.
var (
	// ErrMalformed means the container, a data group or the SOD is not well
	// formed, is too large, or uses an unsupported algorithm.
	ErrMalformed = errors.New("chip: malformed chip data")
	// ErrUntrusted means the DS certificate was not issued by any CA in the
	// trust list.
	ErrUntrusted = errors.New("chip: document signer not trusted")
	// ErrBadSignature means the SOD's signature does not verify with the DS
	// certificate's key, or its signed attributes do not match its content
	// (content type or message digest).
	ErrBadSignature = errors.New("chip: bad SOD signature")
	// ErrHashMismatch means a data group's hash differs from the one in the
	// SOD, or the SOD does not list DG1 and DG2.
	ErrHashMismatch = errors.New("chip: data group hash mismatch")
	// ErrCertificateInvalid means the DS or CA certificate is not valid at the
	// verification time (expired, not yet valid) or not fit for its purpose
	// (key usage, constraints).
	ErrCertificateInvalid = errors.New("chip: certificate invalid")
	// ErrDocumentExpired means the document's validity ended before today.
	ErrDocumentExpired = errors.New("chip: document expired")
	// ErrDocumentNotYetValid means the document's validity starts after today.
	ErrDocumentNotYetValid = errors.New("chip: document not yet valid")
)

// Size limits. They bound the work done on outside input.
const (
	// MaxContainerSize is the largest container JSON [Parse] accepts.
	MaxContainerSize = 1 << 20
	// MaxDG1Size is the largest DG1 (identity JSON) accepted.
	MaxDG1Size = 16 << 10
	// MaxDG2Size is the largest DG2 (face image) accepted.
	MaxDG2Size = 512 << 10
	// MaxSODSize is the largest SOD accepted.
	MaxSODSize = 64 << 10
)

// Data is the raw chip data of one document: the two data groups and the SOD.
// It is what a wallet reads from the chip and uploads.
type Data struct {
	// DG1 is the identity data group (a [document.Identity] as JSON).
	DG1 []byte
	// DG2 is the face image data group (JPEG or PNG).
	DG2 []byte
	// SOD is the document security object (DER CMS SignedData).
	SOD []byte
}

// container is the transport form of Data.
type container struct {
	DG1 string `json:"dg1"`
	DG2 string `json:"dg2"`
	SOD string `json:"sod"`
}

// Parse decodes the container JSON {"dg1":"…","dg2":"…","sod":"…"} (standard
// base64, padded) into Data. It checks structure only: the JSON is strict
// (unknown fields, duplicate keys, null values and trailing data are rejected),
// all three members are present, non-empty, canonically encoded and within the
// size limits. The contents are checked by [Verify].
func Parse(b []byte) (Data, error) {
	if len(b) > MaxContainerSize {
		return Data{}, fmt.Errorf("%w: container is %d bytes, limit %d", ErrMalformed, len(b), MaxContainerSize)
	}
	var c container
	if err := decodeStrictJSON(b, &c); err != nil {
		return Data{}, fmt.Errorf("%w: container: %w", ErrMalformed, err)
	}
	var d Data
	var err error
	if d.DG1, err = decodeBase64("dg1", c.DG1); err != nil {
		return Data{}, err
	}
	if d.DG2, err = decodeBase64("dg2", c.DG2); err != nil {
		return Data{}, err
	}
	if d.SOD, err = decodeBase64("sod", c.SOD); err != nil {
		return Data{}, err
	}
	if err := d.checkSizes(); err != nil {
		return Data{}, err
	}
	return d, nil
}

// decodeBase64 decodes canonical standard base64: what EncodeToString would
// produce, so there is exactly one encoding of each value.
func decodeBase64(field, s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: container: %s missing or empty", ErrMalformed, field)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || base64.StdEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("%w: container: %s is not canonical standard base64", ErrMalformed, field)
	}
	return b, nil
}

// checkSizes checks that every part is present and within its limit.
func (d Data) checkSizes() error {
	for _, p := range []struct {
		name  string
		b     []byte
		limit int
	}{{"DG1", d.DG1, MaxDG1Size}, {"DG2", d.DG2, MaxDG2Size}, {"SOD", d.SOD, MaxSODSize}} {
		if len(p.b) == 0 {
			return fmt.Errorf("%w: %s is empty", ErrMalformed, p.name)
		}
		if len(p.b) > p.limit {
			return fmt.Errorf("%w: %s is %d bytes, limit %d", ErrMalformed, p.name, len(p.b), p.limit)
		}
	}
	return nil
}

// MarshalJSON encodes d as the container JSON that [Parse] reads.
func (d Data) MarshalJSON() ([]byte, error) {
	enc := base64.StdEncoding
	b := make([]byte, 0, len(`{"dg1":"","dg2":"","sod":""}`)+
		enc.EncodedLen(len(d.DG1))+enc.EncodedLen(len(d.DG2))+enc.EncodedLen(len(d.SOD)))
	b = append(b, `{"dg1":"`...)
	b = enc.AppendEncode(b, d.DG1)
	b = append(b, `","dg2":"`...)
	b = enc.AppendEncode(b, d.DG2)
	b = append(b, `","sod":"`...)
	b = enc.AppendEncode(b, d.SOD)
	b = append(b, `"}`...)
	return b, nil
}
