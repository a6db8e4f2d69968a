package password

import (
	"errors"
	"fmt"

	"github.com/netid-project/netid/internal/document"
)

// Length is the number of digits of a credential password.
const Length = 8

// ErrWeak is wrapped by every error Check returns.
var ErrWeak = errors.New("password: credential password not acceptable")

// Rule names a rule of Check.
type Rule string

// The rules Check applies, in the order it applies them.
const (
	// RuleFormat: exactly 8 ASCII digits.
	RuleFormat Rule = "must be exactly 8 digits"
	// RuleSameDigit: not one digit repeated.
	RuleSameDigit Rule = "must not repeat one digit"
	// RuleSequence: not an ascending or descending run such as 12345678 or
	// 76543210, also wrapping from 9 to 0 (89012345) or 0 to 9 (21098765).
	RuleSequence Rule = "must not be a run of consecutive digits"
	// RuleRepeat: not a 2-digit or 4-digit group repeated (12121212,
	// 12341234).
	RuleRepeat Rule = "must not repeat a group of digits"
	// RuleBirthDate: not the holder's birth date as YYYYMMDD, DDMMYYYY or
	// MMDDYYYY.
	RuleBirthDate Rule = "must not be the holder's birth date"
)

// WeakError reports which rule a password broke. It never holds the
// password. errors.Is(err, ErrWeak) is true for every *WeakError.
type WeakError struct {
	Rule Rule
}

func (e *WeakError) Error() string { return ErrWeak.Error() + ": " + string(e.Rule) }

// Unwrap returns ErrWeak.
func (e *WeakError) Unwrap() error { return ErrWeak }

// Check returns nil if pw is acceptable as a credential password for a
// holder born on birth, and otherwise a *WeakError naming the first rule pw
// breaks. A zero birth skips the birth-date rule.
func Check(pw string, birth document.Date) error {
	if r, ok := broken(pw, birth); ok {
		return &WeakError{Rule: r}
	}
	return nil
}

func broken(pw string, birth document.Date) (Rule, bool) {
	if len(pw) != Length {
		return RuleFormat, true
	}
	for i := 0; i < len(pw); i++ {
		if pw[i] < '0' || pw[i] > '9' {
			return RuleFormat, true
		}
	}
	if repeats(pw, 1) {
		return RuleSameDigit, true
	}
	if run(pw, 1) || run(pw, 9) {
		return RuleSequence, true
	}
	if repeats(pw, 2) || repeats(pw, 4) {
		return RuleRepeat, true
	}
	if !birth.IsZero() {
		y, m, d := birth.Year, int(birth.Month), birth.Day
		for _, s := range []string{
			fmt.Sprintf("%04d%02d%02d", y, m, d),
			fmt.Sprintf("%02d%02d%04d", d, m, y),
			fmt.Sprintf("%02d%02d%04d", m, d, y),
		} {
			if s == pw {
				return RuleBirthDate, true
			}
		}
	}
	return "", false
}

// repeats reports whether pw is its first period digits repeated.
func repeats(pw string, period int) bool {
	for i := period; i < len(pw); i++ {
		if pw[i] != pw[i-period] {
			return false
		}
	}
	return true
}

// run reports whether each digit of pw is the previous one plus step,
// modulo 10 (step 1 ascends, step 9 descends).
func run(pw string, step byte) bool {
	for i := 1; i < len(pw); i++ {
		if (pw[i-1]-'0'+step)%10 != pw[i]-'0' {
			return false
		}
	}
	return true
}
