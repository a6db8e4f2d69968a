package document

import (
	"errors"
	"strings"
	"testing"
)

// FuzzValidateNumber checks that ValidateNumber never panics, that a valid
// number's Normalized form validates again to the same NumberInfo, that an
// 18-character number ends in the check character of its first 17, that
// errors are *NumberErrors whose message does not contain the number, and
// that MaskNumber never panics.
func FuzzValidateNumber(f *testing.F) {
	seeds := []struct {
		typ uint8
		n   string
	}{
		{0, "11010519491231002X"},
		{0, "440524188001010014"},
		{0, " 11010519491231002x "},
		{0, "110105491231002"},
		{0, "110105200102290010"},
		{1, "810000199001010019"},
		{1, "820000198512310029"},
		{2, "830000200106150033"},
		{3, "H1234567801"},
		{3, "M12345678"},
		{4, "01234567"},
		{5, "911040199001010014"},
		{5, "USA110090123456"},
		{6, "E12345678"},
		{6, "EA1234567"},
		{6, "EI1234567"},
		{0, "\u300011010519491231002X"},
		{7, ""},
	}
	for _, s := range seeds {
		f.Add(s.typ, s.n)
	}
	f.Fuzz(func(t *testing.T, ti uint8, number string) {
		typ := Types[int(ti)%len(Types)]
		_ = MaskNumber(number)
		info, err := ValidateNumber(typ, number, today)
		if err != nil {
			var ne *NumberError
			if !errors.As(err, &ne) || !errors.Is(err, ErrInvalidNumber) || ne.Type != typ || ne.Reason == "" {
				t.Fatalf("ValidateNumber(%s, %q) error %v is not a *NumberError for the type", typ, number, err)
			}
			if info != (NumberInfo{}) {
				t.Fatalf("ValidateNumber(%s, %q) returned %+v with an error", typ, number, info)
			}
			if n := strings.TrimSpace(number); len(n) >= 9 && allDigits(n) && strings.Contains(err.Error(), n) {
				t.Fatalf("error %q contains the number", err)
			}
			return
		}
		again, err := ValidateNumber(typ, info.Normalized, today)
		if err != nil {
			t.Fatalf("ValidateNumber(%s, Normalized %q) = %v after %q was valid", typ, info.Normalized, err, number)
		}
		if again != info {
			t.Fatalf("re-validation of %q = %+v, want %+v", info.Normalized, again, info)
		}
		if info.Normalized != strings.ToUpper(info.Normalized) || strings.ContainsAny(info.Normalized, " \t\r\n") {
			t.Fatalf("Normalized %q is not upper-case without spaces", info.Normalized)
		}
		if len(info.Normalized) == 18 {
			c, err := CheckCharacter(info.Normalized[:17])
			if err != nil || c != info.Normalized[17] {
				t.Fatalf("%q: CheckCharacter = %q, %v; want %q", info.Normalized, c, err, info.Normalized[17])
			}
			if info.Birth.IsZero() || info.Sex == "" {
				t.Fatalf("%q: 18-character number without birth or sex: %+v", info.Normalized, info)
			}
			if today.Before(info.Birth) || info.Birth.Before(earliestBirth) {
				t.Fatalf("%q: birth %v out of range", info.Normalized, info.Birth)
			}
			// Rebuilding from the parts gives the same number.
			region := info.Normalized[:6]
			seq := atoi(info.Normalized[14:17])
			n, err := MakeNumber18(region, info.Birth, seq)
			if err != nil || n != info.Normalized {
				t.Fatalf("MakeNumber18 of %q parts = %q, %v", info.Normalized, n, err)
			}
		}
	})
}
