package sms

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidPhone is returned (wrapped) for input that is not an acceptable
// phone number. The number itself is never part of the error.
var ErrInvalidPhone = errors.New("sms: invalid phone number")

// maxPhoneInput bounds the raw input NormalizePhone looks at.
const maxPhoneInput = 64

// NormalizePhone returns the E.164 form of a phone number.
//
// A mainland mobile number is 11 digits 1[3-9]XXXXXXXXX, optionally
// prefixed with +86, 0086 or 86; it becomes +861XXXXXXXXXX. Any other number
// must be written as +<country code><subscriber number>, 8 to 15 digits in
// all, the country code not starting with 0; numbers under +86 must be
// mainland mobiles (landlines cannot receive SMS). Spaces and dashes
// anywhere are ignored. Errors wrap ErrInvalidPhone.
func NormalizePhone(s string) (string, error) {
	if len(s) > maxPhoneInput {
		return "", fmt.Errorf("%w: too long", ErrInvalidPhone)
	}
	var b strings.Builder
	plus := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '-':
		case c == '+' && !plus && b.Len() == 0:
			plus = true
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		default:
			return "", fmt.Errorf("%w: unexpected character", ErrInvalidPhone)
		}
	}
	d := b.String()
	switch {
	case plus:
		if national, ok := strings.CutPrefix(d, "86"); ok {
			return mainlandMobile(national)
		}
		if len(d) < 8 || len(d) > 15 || d[0] == '0' {
			return "", fmt.Errorf("%w: not an E.164 number", ErrInvalidPhone)
		}
		return "+" + d, nil
	case strings.HasPrefix(d, "0086"):
		return mainlandMobile(d[4:])
	case len(d) == 13 && strings.HasPrefix(d, "86"):
		return mainlandMobile(d[2:])
	default:
		return mainlandMobile(d)
	}
}

// mainlandMobile checks an 11-digit mainland mobile number and returns it in
// E.164 form.
func mainlandMobile(d string) (string, error) {
	if len(d) != 11 || d[0] != '1' || d[1] < '3' || d[1] > '9' {
		return "", fmt.Errorf("%w: not a mainland mobile number (other numbers need +<country code>)", ErrInvalidPhone)
	}
	return "+86" + d, nil
}

// MaskPhone masks an E.164 number for display: a mainland mobile becomes
// "+86 138****5678"; another number keeps its first two and its last four
// digits (last two if it has fewer than ten). Input that is not E.164 is
// masked entirely.
func MaskPhone(e164 string) string {
	d, ok := strings.CutPrefix(e164, "+")
	if !ok || len(d) < 8 || len(d) > 15 || strings.Trim(d, "0123456789") != "" {
		return "****"
	}
	if len(d) == 13 && strings.HasPrefix(d, "86") {
		return "+86 " + d[2:5] + "****" + d[9:]
	}
	tail := 4
	if len(d) < 10 {
		tail = 2
	}
	return "+" + d[:2] + strings.Repeat("*", len(d)-2-tail) + d[len(d)-tail:]
}
