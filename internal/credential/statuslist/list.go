package statuslist

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/netid-project/netid/internal/jws"
)

// Status values (draft-ietf-oauth-status-list §7.1).
const (
	Valid     byte = 0x00
	Invalid   byte = 0x01
	Suspended byte = 0x02
)

// MaxBytes caps the size of a list's byte array, both when creating one and
// when decompressing one from a token (64 Mi entries at 2 bits).
const MaxBytes = 16 << 20

// Sentinel errors; every error from this package wraps one of them.
var (
	// ErrMalformed: a token or encoded list is not well formed.
	ErrMalformed = errors.New("statuslist: malformed")
	// ErrTooLarge: a list would exceed MaxBytes.
	ErrTooLarge = errors.New("statuslist: list too large")
	// ErrRange: an index or status value out of range, or bad bits/size.
	ErrRange = errors.New("statuslist: out of range")
	// ErrSignature: the token signature does not verify or is not ES256.
	ErrSignature = errors.New("statuslist: invalid signature")
	// ErrUnknownKey: no key matches the token's kid.
	ErrUnknownKey = errors.New("statuslist: unknown key")
	// ErrExpired: the token's exp has passed.
	ErrExpired = errors.New("statuslist: token expired")
	// ErrNotYetValid: the token's iat is in the future.
	ErrNotYetValid = errors.New("statuslist: token not yet valid")
	// ErrURI: the token is the list of another URI (sub mismatch).
	ErrURI = errors.New("statuslist: token is for another URI")
)

// List is a status list: Len entries of Bits bits each. Entry i occupies
// bits (i*Bits) mod 8 upwards of byte i*Bits/8, the least significant bits
// first (§4.1). A List is not safe for concurrent mutation.
type List struct {
	bits int
	data []byte
}

// New returns a list of size entries of bits bits (1, 2, 4 or 8), all Valid.
// The list holds whole bytes, so Len may be rounded up to fill the last one.
func New(bits int, size int) (*List, error) {
	if !validBits(bits) {
		return nil, fmt.Errorf("%w: bits must be 1, 2, 4 or 8, got %d", ErrRange, bits)
	}
	if size <= 0 {
		return nil, fmt.Errorf("%w: size must be positive", ErrRange)
	}
	n := (int64(size)*int64(bits) + 7) / 8
	if n > MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, n)
	}
	return &List{bits: bits, data: make([]byte, n)}, nil
}

func validBits(b int) bool { return b == 1 || b == 2 || b == 4 || b == 8 }

// Bits is the number of bits per entry.
func (l *List) Bits() int { return l.bits }

// Len is the number of entries.
func (l *List) Len() int64 { return int64(len(l.data)) * 8 / int64(l.bits) }

// Set sets entry i to v.
func (l *List) Set(i int64, v byte) error {
	if i < 0 || i >= l.Len() {
		return fmt.Errorf("%w: index %d of %d", ErrRange, i, l.Len())
	}
	if int(v) >= 1<<l.bits {
		return fmt.Errorf("%w: status 0x%02x does not fit in %d bits", ErrRange, v, l.bits)
	}
	byteIdx, shift, mask := l.locate(i)
	l.data[byteIdx] = l.data[byteIdx]&^(mask<<shift) | v<<shift
	return nil
}

// Get returns entry i.
func (l *List) Get(i int64) (byte, error) {
	if i < 0 || i >= l.Len() {
		return 0, fmt.Errorf("%w: index %d of %d", ErrRange, i, l.Len())
	}
	byteIdx, shift, mask := l.locate(i)
	return l.data[byteIdx] >> shift & mask, nil
}

func (l *List) locate(i int64) (byteIdx int64, shift uint, mask byte) {
	bit := i * int64(l.bits)
	return bit / 8, uint(bit % 8), byte(1<<l.bits - 1)
}

// Encode returns the list as the draft's lst: the bytes compressed with
// zlib (RFC 1950) at best compression, in unpadded base64url.
func (l *List) Encode() (string, error) {
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return "", fmt.Errorf("statuslist: zlib: %w", err)
	}
	if _, err := zw.Write(l.data); err != nil {
		return "", fmt.Errorf("statuslist: zlib: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("statuslist: zlib: %w", err)
	}
	return jws.B64.EncodeToString(buf.Bytes()), nil
}

// Decode parses an lst of entries of bits bits. It rejects bad base64url,
// a bad or truncated zlib stream, trailing data, an empty list, and a list
// that would decompress to more than MaxBytes (ErrTooLarge).
func Decode(bits int, lst string) (*List, error) {
	if !validBits(bits) {
		return nil, fmt.Errorf("%w: bits must be 1, 2, 4 or 8, got %d", ErrMalformed, bits)
	}
	if len(lst) > MaxBytes {
		return nil, fmt.Errorf("%w: lst longer than %d", ErrTooLarge, MaxBytes)
	}
	compressed, err := jws.B64.DecodeString(lst)
	if err != nil {
		return nil, fmt.Errorf("%w: lst: bad base64url", ErrMalformed)
	}
	br := bytes.NewReader(compressed)
	zr, err := zlib.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: lst: %w", ErrMalformed, err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: lst: %w", ErrMalformed, err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%w: decompresses past %d bytes", ErrTooLarge, MaxBytes)
	}
	if err := zr.Close(); err != nil {
		return nil, fmt.Errorf("%w: lst: %w", ErrMalformed, err)
	}
	if br.Len() != 0 {
		return nil, fmt.Errorf("%w: lst: trailing data after zlib stream", ErrMalformed)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: lst: empty list", ErrMalformed)
	}
	return &List{bits: bits, data: data}, nil
}
