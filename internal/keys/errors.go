package keys

import "errors"

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrMasterKeyInvalid is returned when the master key file does not hold
	// exactly 32 bytes in standard base64.
	ErrMasterKeyInvalid = errors.New("keys: master key file is invalid")
	// ErrMasterKeyPermissions is returned when the master key file can be
	// read or written by its group or by others.
	ErrMasterKeyPermissions = errors.New("keys: master key file is accessible by group or others")
	// ErrKeySize is returned when a key-encryption key is not 32 bytes.
	ErrKeySize = errors.New("keys: key must be 32 bytes")
	// ErrDecrypt is returned by Open when a sealed value does not open: it
	// was tampered with, the additional data differs, or it names a KEK the
	// Sealer does not hold.
	ErrDecrypt = errors.New("keys: cannot decrypt")
	// ErrJSON is returned by SealJSON and OpenJSON when a value does not
	// encode to or decode from JSON. The underlying encoding/json error is
	// not wrapped because its text can quote the value.
	ErrJSON = errors.New("keys: JSON encoding failed")
	// ErrSigningKey is returned when a stored signing key is unusable
	// (unsupported algorithm, malformed key, key not matching its kid).
	ErrSigningKey = errors.New("keys: invalid signing key")
)
