package relyingparty

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkDomain checks that d is a DNS host name as a relying party's domain
// must be written: lower case, no scheme, port or trailing dot, at least
// two labels of letters, digits and hyphens (1 to 63 bytes, no hyphen at
// either end), at most 253 bytes, and a top-level label that is not all
// digits (so not an IP address). Internationalised names are accepted in
// their A-label form (xn--…), whose Punycode must decode; U-labels are
// refused with a hint, since redirect URIs carry the A-label form.
func checkDomain(d string) error {
	switch {
	case d == "":
		return errors.New("must not be empty")
	case len(d) > 253:
		return errors.New("must be at most 253 bytes")
	case strings.Contains(d, "://"):
		return errors.New("must be a host name without a scheme")
	case strings.ContainsAny(d, ":/"):
		return errors.New("must be a host name without port or path")
	case strings.HasSuffix(d, "."):
		return errors.New("must not end with a dot")
	case !isASCII(d):
		return errors.New("internationalised names must be given in their A-label (xn--) form")
	case strings.ToLower(d) != d:
		return errors.New("must be lower case")
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return errors.New("must have at least two labels")
	}
	for _, l := range labels {
		if err := checkLabel(l); err != nil {
			return err
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return errors.New("must be a host name, not an IP address")
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// checkLabel checks one lower-case LDH label; an xn-- label must hold
// valid Punycode.
func checkLabel(l string) error {
	switch {
	case l == "":
		return errors.New("must not have an empty label")
	case len(l) > 63:
		return errors.New("labels must be at most 63 bytes")
	case l[0] == '-' || l[len(l)-1] == '-':
		return errors.New("labels must not start or end with a hyphen")
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return errors.New("labels may hold only a-z, 0-9 and '-'")
		}
	}
	if len(l) >= 4 && l[2:4] == "--" {
		// RFC 5891 §4.2.3.1: "??--" is reserved for IDNA prefixes.
		if l[:2] != "xn" {
			return errors.New("labels must not have '--' in the third and fourth place unless xn--")
		}
		u, err := punycodeDecode(l[4:])
		if err != nil || isASCII(u) {
			return errors.New("an xn-- label is not a valid A-label")
		}
		for _, r := range u {
			if unicode.IsUpper(r) || unicode.IsControl(r) || unicode.IsSpace(r) || r == '.' || r == '。' {
				return errors.New("an xn-- label is not a valid A-label")
			}
		}
	}
	return nil
}

// Punycode parameters (RFC 3492 §5).
const (
	pcBase        = 36
	pcTMin        = 1
	pcTMax        = 26
	pcSkew        = 38
	pcDamp        = 700
	pcInitialBias = 72
	pcInitialN    = 128
)

var errPunycode = errors.New("invalid punycode")

// punycodeDecode decodes the Punycode of a label without its xn-- prefix
// (RFC 3492 §6.2), with overflow checks.
func punycodeDecode(s string) (string, error) {
	var out []rune
	pos := 0
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		for _, c := range []byte(s[:i]) {
			if c >= utf8.RuneSelf {
				return "", errPunycode
			}
			out = append(out, rune(c))
		}
		pos = i + 1
		if pos == len(s) {
			return "", errPunycode // a trailing delimiter with nothing encoded
		}
	}
	n, bias, i := int32(pcInitialN), int32(pcInitialBias), int32(0)
	const maxInt = int32(1<<31 - 1)
	for pos < len(s) {
		oldi, w := i, int32(1)
		for k := int32(pcBase); ; k += pcBase {
			if pos == len(s) {
				return "", errPunycode
			}
			digit, ok := pcDigit(s[pos])
			pos++
			if !ok || digit > (maxInt-i)/w {
				return "", errPunycode
			}
			i += digit * w
			t := k - bias
			if t < pcTMin {
				t = pcTMin
			} else if t > pcTMax {
				t = pcTMax
			}
			if digit < t {
				break
			}
			if w > maxInt/(pcBase-t) {
				return "", errPunycode
			}
			w *= pcBase - t
		}
		length := int32(len(out) + 1)
		bias = pcAdapt(i-oldi, length, oldi == 0)
		if i/length > maxInt-n {
			return "", errPunycode
		}
		n += i / length
		i %= length
		if n > unicode.MaxRune || (n >= 0xd800 && n <= 0xdfff) || n < pcInitialN {
			return "", errPunycode
		}
		out = append(out, 0)
		copy(out[i+1:], out[i:])
		out[i] = n
		i++
	}
	return string(out), nil
}

func pcDigit(c byte) (int32, bool) {
	switch {
	case 'a' <= c && c <= 'z':
		return int32(c - 'a'), true
	case '0' <= c && c <= '9':
		return int32(c-'0') + 26, true
	}
	return 0, false // upper case was refused before; others are not digits
}

func pcAdapt(delta, numPoints int32, first bool) int32 {
	if first {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := int32(0)
	for delta > ((pcBase-pcTMin)*pcTMax)/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + (pcBase-pcTMin+1)*delta/(delta+pcSkew)
}
