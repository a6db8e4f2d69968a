package password

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/netid-project/netid/internal/document"
)

func TestCheck(t *testing.T) {
	birth := document.Date{Year: 1990, Month: time.March, Day: 7}
	for _, tc := range []struct {
		pw    string
		birth document.Date
		rule  Rule // "" = acceptable
	}{
		// Acceptable.
		{"38172946", birth, ""},
		{"90817263", birth, ""},
		{"12345679", birth, ""}, // one off a run
		{"12121213", birth, ""}, // one off a repeat
		{"12312312", birth, ""}, // a 3-digit group is allowed
		{"07031991", birth, ""}, // close to the birth date
		{"19900307", document.Date{}, ""},
		{"00000001", birth, ""},

		// Format.
		{"", birth, RuleFormat},
		{"1234567", birth, RuleFormat},
		{"381729460", birth, RuleFormat},
		{"3817294a", birth, RuleFormat},
		{"3817 946", birth, RuleFormat},
		{"３８１７２９４６", birth, RuleFormat}, // full-width digits
		{"+3817294", birth, RuleFormat},

		// One digit repeated.
		{"00000000", birth, RuleSameDigit},
		{"11111111", birth, RuleSameDigit},
		{"99999999", birth, RuleSameDigit},

		// Runs, ascending and descending, with wrap-around.
		{"01234567", birth, RuleSequence},
		{"12345678", birth, RuleSequence},
		{"23456789", birth, RuleSequence},
		{"34567890", birth, RuleSequence},
		{"89012345", birth, RuleSequence},
		{"90123456", birth, RuleSequence},
		{"98765432", birth, RuleSequence},
		{"76543210", birth, RuleSequence},
		{"21098765", birth, RuleSequence},
		{"09876543", birth, RuleSequence},

		// Repeated groups.
		{"12121212", birth, RuleRepeat},
		{"90909090", birth, RuleRepeat},
		{"12341234", birth, RuleRepeat},
		{"00010001", birth, RuleRepeat},
		{"52015201", birth, RuleRepeat},

		// Birth date.
		{"19900307", birth, RuleBirthDate}, // YYYYMMDD
		{"07031990", birth, RuleBirthDate}, // DDMMYYYY
		{"03071990", birth, RuleBirthDate}, // MMDDYYYY
		{"20111111", document.Date{Year: 2011, Month: time.November, Day: 11}, RuleBirthDate},
	} {
		err := Check(tc.pw, tc.birth)
		if tc.rule == "" {
			if err != nil {
				t.Errorf("Check(%q, %v) = %v, want nil", tc.pw, tc.birth, err)
			}
			continue
		}
		if !errors.Is(err, ErrWeak) {
			t.Errorf("Check(%q, %v) = %v, want ErrWeak", tc.pw, tc.birth, err)
			continue
		}
		var we *WeakError
		if !errors.As(err, &we) || we.Rule != tc.rule {
			t.Errorf("Check(%q, %v) = %v, want rule %q", tc.pw, tc.birth, err, tc.rule)
		}
		if tc.pw != "" && strings.Contains(err.Error(), tc.pw) {
			t.Errorf("Check(%q) error %q echoes the password", tc.pw, err)
		}
	}
}

// TestCheckRunsExhaustive builds every run of 8 digits, both directions,
// from every starting digit, and expects each to be rejected as a run.
func TestCheckRunsExhaustive(t *testing.T) {
	for start := 0; start < 10; start++ {
		for _, step := range []int{1, 9} {
			var b [Length]byte
			for i := range b {
				b[i] = byte('0' + (start+i*step)%10)
			}
			var we *WeakError
			if err := Check(string(b[:]), document.Date{}); !errors.As(err, &we) || we.Rule != RuleSequence {
				t.Errorf("Check(%q) = %v, want RuleSequence", b, err)
			}
		}
	}
}
