package netnum

import (
	"errors"
	"fmt"
	"io"
)

// Length is the length of a canonical 网号: BodyLength random characters and
// one check character.
const (
	Length     = 16
	BodyLength = Length - 1
)

// Alphabet is the set of characters of a canonical 网号, in value order:
// the ISO/IEC 7064 value of a character is its index in Alphabet.
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// modulus is M in ISO/IEC 7064 MOD M+1,M.
const modulus = len(Alphabet) // 36

// maxInput bounds the length of the text Parse looks at, separators
// included, so that hostile input costs nothing.
const maxInput = 64

// ErrInvalid is wrapped by every error that reports a malformed 网号: wrong
// length, a character outside 0-9A-Z, or a wrong check character.
var ErrInvalid = errors.New("netnum: invalid network ID number")

// New allocates a fresh 网号 using randomness from rand, which should be
// crypto/rand.Reader outside tests. The body characters are drawn uniformly
// by rejection sampling (no modulo bias); candidates in which an adjacent
// transposition would keep the check character valid are drawn again (see
// the package documentation). The caller must still make sure the number
// is not already allocated.
func New(rand io.Reader) (string, error) {
	var (
		buf  [32]byte
		n    int // valid bytes in buf
		next int // next unread byte in buf
		out  [Length]byte
	)
	// limit is the largest multiple of 36 not above 256: bytes at or above
	// it are discarded so that every character is equally likely.
	const limit = 256 - 256%modulus // 252
	for {
		for i := 0; i < BodyLength; {
			if next == n {
				m, err := io.ReadAtLeast(rand, buf[:], 1)
				if err != nil {
					return "", fmt.Errorf("netnum: reading randomness: %w", err)
				}
				n, next = m, 0
			}
			b := buf[next]
			next++
			if int(b) >= limit {
				continue
			}
			out[i] = Alphabet[int(b)%modulus]
			i++
		}
		c, err := CheckCharacter(string(out[:BodyLength]))
		if err != nil {
			return "", err // unreachable: the body is well formed
		}
		out[BodyLength] = c
		if transpositionSafe(out[:]) {
			return string(out[:]), nil
		}
	}
}

// transpositionSafe reports whether swapping any two adjacent, different
// characters of the complete number w makes its check character wrong.
func transpositionSafe(w []byte) bool {
	var s [Length]byte
	for i := 0; i+1 < len(w); i++ {
		if w[i] == w[i+1] {
			continue
		}
		copy(s[:], w)
		s[i], s[i+1] = s[i+1], s[i]
		if valid(s[:]) {
			return false
		}
	}
	return true
}

// value returns the ISO/IEC 7064 value of an upper-case character, or -1.
func value(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// hybridStep is one step of an ISO/IEC 7064 hybrid system MOD m+1,m: from
// the running value p and the next character value a it returns the next
// running value, (2 × ((p + a) ||m)) mod (m+1), where x ||m is x mod m with
// 0 replaced by m.
func hybridStep(m, p, a int) int {
	s := (p + a) % m
	if s == 0 {
		s = m
	}
	return 2 * s % (m + 1)
}

// hybridCheck returns the check character value that completes vals in the
// hybrid system MOD m+1,m: starting from p = m, it runs hybridStep over
// vals and picks the check value c with (p + c) mod m = 1.
func hybridCheck(m int, vals []int) int {
	p := m
	for _, a := range vals {
		p = hybridStep(m, p, a)
	}
	return (m + 1 - p) % m
}

// CheckCharacter returns the ISO/IEC 7064 MOD 37,36 check character of a
// 网号 body: BodyLength characters from Alphabet, upper case.
func CheckCharacter(body string) (byte, error) {
	if len(body) != BodyLength {
		return 0, fmt.Errorf("%w: body must be %d characters", ErrInvalid, BodyLength)
	}
	vals := make([]int, BodyLength)
	for i := 0; i < len(body); i++ {
		v := value(body[i])
		if v < 0 {
			return 0, fmt.Errorf("%w: character %d is not in 0-9A-Z", ErrInvalid, i+1)
		}
		vals[i] = v
	}
	return Alphabet[hybridCheck(modulus, vals)], nil
}

// valid reports whether the canonical-form w (Length characters from
// Alphabet) carries the right check character.
func valid(w []byte) bool {
	c, err := CheckCharacter(string(w[:BodyLength]))
	return err == nil && c == w[BodyLength]
}

// Parse checks a 网号 as a person may type it and returns its canonical
// form: Length upper-case characters. It accepts lower case and ignores
// spaces and hyphens, so "abcd-efgh-ijkl-mnop" and "ABCD EFGH IJKL MNOP"
// are accepted. Errors wrap ErrInvalid and never repeat the input.
func Parse(s string) (string, error) {
	if len(s) > maxInput {
		return "", fmt.Errorf("%w: too long", ErrInvalid)
	}
	var (
		out [Length]byte
		n   int
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case value(c) < 0:
			return "", fmt.Errorf("%w: character not in 0-9A-Z", ErrInvalid)
		}
		if n == Length {
			return "", fmt.Errorf("%w: want %d characters", ErrInvalid, Length)
		}
		out[n] = c
		n++
	}
	if n != Length {
		return "", fmt.Errorf("%w: want %d characters", ErrInvalid, Length)
	}
	if !valid(out[:]) {
		return "", fmt.Errorf("%w: wrong check character", ErrInvalid)
	}
	return string(out[:]), nil
}

// Format groups a canonical 网号 in fours for display:
// "XXXX-XXXX-XXXX-XXXX". A string that is not Length bytes long is returned
// unchanged.
func Format(w string) string {
	if len(w) != Length {
		return w
	}
	return w[0:4] + "-" + w[4:8] + "-" + w[8:12] + "-" + w[12:16]
}

// Mask formats a canonical 网号 for display with its middle eight characters
// hidden: "XXXX-****-****-XXXX". A string that is not Length bytes long is
// masked entirely, so that Mask never reveals part of malformed input.
func Mask(w string) string {
	if len(w) != Length {
		return "****-****-****-****"
	}
	return w[0:4] + "-****-****-" + w[12:16]
}
