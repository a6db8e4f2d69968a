package document

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// today is the fixed "today" of these tests: the day the Measures came into
// force.
var today = Date{2025, time.July, 15}

func d(y int, m time.Month, day int) Date { return Date{y, m, day} }

// Literal vectors below were computed independently of this package (by
// hand-checked ISO 7064 MOD 11-2 arithmetic); the first two are the
// examples published in GB 11643-1999.
func TestValidateNumber(t *testing.T) {
	tests := []struct {
		name   string
		typ    Type
		in     string
		want   NumberInfo
		reason string // non-empty: want a *NumberError with this Reason
	}{
		// Resident ID card: valid.
		{"GB 11643 example, X check", ResidentIDCard, "11010519491231002X",
			NumberInfo{Normalized: "11010519491231002X", Birth: d(1949, 12, 31), Sex: Female, Region: "110105"}, ""},
		{"GB 11643 example, born 1880", ResidentIDCard, "440524188001010014",
			NumberInfo{Normalized: "440524188001010014", Birth: d(1880, 1, 1), Sex: Male, Region: "440524"}, ""},
		{"lower-case x normalised", ResidentIDCard, "11010519491231002x",
			NumberInfo{Normalized: "11010519491231002X", Birth: d(1949, 12, 31), Sex: Female, Region: "110105"}, ""},
		{"surrounding spaces trimmed", ResidentIDCard, "  11010519000228002X\t\n",
			NumberInfo{Normalized: "11010519000228002X", Birth: d(1900, 2, 28), Sex: Female, Region: "110105"}, ""},
		{"Feb 29 in leap year 2000", ResidentIDCard, "110105200002290013",
			NumberInfo{Normalized: "110105200002290013", Birth: d(2000, 2, 29), Sex: Male, Region: "110105"}, ""},
		{"born today", ResidentIDCard, "110105202507150015",
			NumberInfo{Normalized: "110105202507150015", Birth: d(2025, 7, 15), Sex: Male, Region: "110105"}, ""},
		{"earliest birth 1800-01-01", ResidentIDCard, "110105180001010010",
			NumberInfo{Normalized: "110105180001010010", Birth: d(1800, 1, 1), Sex: Male, Region: "110105"}, ""},
		{"other province", ResidentIDCard, "440300199003071234",
			NumberInfo{Normalized: "440300199003071234", Birth: d(1990, 3, 7), Sex: Male, Region: "440300"}, ""},
		{"province 65", ResidentIDCard, "650101199001010010",
			NumberInfo{Normalized: "650101199001010010", Birth: d(1990, 1, 1), Sex: Male, Region: "650101"}, ""},

		// Resident ID card: invalid.
		{"wrong check character", ResidentIDCard, "110105194912310021", nil2, "check character does not match"},
		{"X where a digit belongs", ResidentIDCard, "44052418800101001X", nil2, "check character does not match"},
		{"digit where X belongs", ResidentIDCard, "110105194912310020", nil2, "check character does not match"},
		{"Feb 29 in non-leap 2001", ResidentIDCard, "110105200102290010", nil2, "birth date encoded in the number is not a valid date"},
		{"Feb 29 in 1900 (not leap)", ResidentIDCard, "110105190002290017", nil2, "birth date encoded in the number is not a valid date"},
		{"month 13", ResidentIDCard, "110105199013010018", nil2, "birth date encoded in the number is not a valid date"},
		{"day 00", ResidentIDCard, "110105199001000015", nil2, "birth date encoded in the number is not a valid date"},
		{"born 1799", ResidentIDCard, "110105179912310016", nil2, "birth date encoded in the number is before 1800-01-01"},
		{"born tomorrow", ResidentIDCard, "110105202507160010", nil2, "birth date encoded in the number is after today"},
		{"born 2026", ResidentIDCard, "110105202601010019", nil2, "birth date encoded in the number is after today"},
		{"sequence 000", ResidentIDCard, "110105199001010002", nil2, "sequence code must not be 000"},
		{"province 71 (Taiwan)", ResidentIDCard, "710000199001010015", nil2, "address code is not a mainland province code"},
		{"province 00", ResidentIDCard, "000000199001010018", nil2, "address code is not a mainland province code"},
		{"province 16", ResidentIDCard, "160000199001010012", nil2, "address code is not a mainland province code"},
		{"HK residence permit code", ResidentIDCard, "810000199001010019", nil2, "address code is not a mainland province code"},
		{"Taiwan residence permit code", ResidentIDCard, "830000200106150033", nil2, "address code is not a mainland province code"},
		{"15-digit legacy number", ResidentIDCard, "110105491231002", nil2, "15-digit numbers are no longer accepted; must be 18 characters"},
		{"17 characters", ResidentIDCard, "11010519491231002", nil2, "must be 18 characters"},
		{"19 characters", ResidentIDCard, "11010519491231002X0", nil2, "must be 18 characters"},
		{"16 characters", ResidentIDCard, "1101051949123100", nil2, "must be 18 characters"},
		{"1 character", ResidentIDCard, "1", nil2, "must be 18 characters"},
		{"letter inside", ResidentIDCard, "1101051949123100AX", nil2, "first 17 characters must be digits"},
		{"letter other than X last", ResidentIDCard, "11010519491231002Y", nil2, "last character must be a digit or X"},
		{"inner space", ResidentIDCard, "110105 19491231002X", nil2, "must not contain spaces"},
		{"full-width digit", ResidentIDCard, "11010519491231002\uff38", nil2, "must contain only ASCII letters and digits"},
		{"ideographic space around", ResidentIDCard, "\u300011010519491231002X", nil2, "must contain only ASCII letters and digits"},
		{"hyphen", ResidentIDCard, "110105-19491231002X", nil2, "must contain only letters and digits"},
		{"empty", ResidentIDCard, "", nil2, "is empty"},
		{"only spaces", ResidentIDCard, "   ", nil2, "is empty"},

		// HK/Macau residence permit.
		{"HK residence permit", HKMacauResidencePermit, "810000199001010019",
			NumberInfo{Normalized: "810000199001010019", Birth: d(1990, 1, 1), Sex: Male, Region: "810000"}, ""},
		{"Macau residence permit", HKMacauResidencePermit, "820000198512310029",
			NumberInfo{Normalized: "820000198512310029", Birth: d(1985, 12, 31), Sex: Female, Region: "820000"}, ""},
		{"HK/Macau permit with mainland code", HKMacauResidencePermit, "110105199001010010", nil2,
			"address code must be 810000 (Hong Kong) or 820000 (Macau)"},
		{"HK/Macau permit with 810001", HKMacauResidencePermit, "810001199001010015", nil2,
			"address code must be 810000 (Hong Kong) or 820000 (Macau)"},
		{"HK/Macau permit with Taiwan code", HKMacauResidencePermit, "830000200106150033", nil2,
			"address code must be 810000 (Hong Kong) or 820000 (Macau)"},
		{"HK/Macau permit wrong check", HKMacauResidencePermit, "810000199001010018", nil2, "check character does not match"},
		{"HK/Macau permit 15 digits", HKMacauResidencePermit, "810000900101001", nil2,
			"15-digit numbers are no longer accepted; must be 18 characters"},

		// Taiwan residence permit.
		{"Taiwan residence permit", TaiwanResidencePermit, "830000200106150033",
			NumberInfo{Normalized: "830000200106150033", Birth: d(2001, 6, 15), Sex: Male, Region: "830000"}, ""},
		{"Taiwan permit with Macau code", TaiwanResidencePermit, "820000199001010010", nil2, "address code must be 830000 (Taiwan)"},
		{"Taiwan permit with mainland code", TaiwanResidencePermit, "110105199001010010", nil2, "address code must be 830000 (Taiwan)"},
		{"Taiwan permit 17 characters", TaiwanResidencePermit, "83000020010615003", nil2, "must be 18 characters"},

		// HK/Macau travel permit.
		{"H + 8 digits", HKMacauTravelPermit, "H12345678", NumberInfo{Normalized: "H12345678"}, ""},
		{"M + 8 digits + issue count", HKMacauTravelPermit, "M1234567803", NumberInfo{Normalized: "M1234567803", IssueCount: 3}, ""},
		{"issue count 00", HKMacauTravelPermit, "H1234567800", NumberInfo{Normalized: "H1234567800"}, ""},
		{"lower-case h", HKMacauTravelPermit, "h12345678", NumberInfo{Normalized: "H12345678"}, ""},
		{"travel permit 8 characters", HKMacauTravelPermit, "H1234567", nil2, "must be H or M followed by 8 digits, optionally 2 more digits"},
		{"travel permit 10 characters", HKMacauTravelPermit, "H123456780", nil2, "must be H or M followed by 8 digits, optionally 2 more digits"},
		{"travel permit 12 characters", HKMacauTravelPermit, "H12345678012", nil2, "must be H or M followed by 8 digits, optionally 2 more digits"},
		{"travel permit starts with K", HKMacauTravelPermit, "K12345678", nil2, "must be H or M followed by 8 digits, optionally 2 more digits"},
		{"travel permit letter inside", HKMacauTravelPermit, "H1234A678", nil2, "must be H or M followed by 8 digits, optionally 2 more digits"},
		{"travel permit all digits", HKMacauTravelPermit, "112345678", nil2, "must be H or M followed by 8 digits, optionally 2 more digits"},

		// Taiwan travel permit.
		{"8 digits", TaiwanTravelPermit, "01234567", NumberInfo{Normalized: "01234567"}, ""},
		{"7 digits", TaiwanTravelPermit, "0123456", nil2, "must be 8 digits"},
		{"9 digits", TaiwanTravelPermit, "012345678", nil2, "must be 8 digits"},
		{"10 digits", TaiwanTravelPermit, "0123456701", nil2, "must be 8 digits"},
		{"letter", TaiwanTravelPermit, "T1234567", nil2, "must be 8 digits"},

		// Foreigner's permanent residence ID.
		{"2023 format", ForeignPermanentResidenceID, "911040199001010014",
			NumberInfo{Normalized: "911040199001010014", Birth: d(1990, 1, 1), Sex: Male, Province: "11", Nationality: "040"}, ""},
		{"2023 format, X check", ForeignPermanentResidenceID, "95114019880808002x",
			NumberInfo{Normalized: "95114019880808002X", Birth: d(1988, 8, 8), Sex: Female, Province: "51", Nationality: "140"}, ""},
		{"old format", ForeignPermanentResidenceID, "usa110090123456",
			NumberInfo{Normalized: "USA110090123456"}, ""},
		{"2023 format wrong check", ForeignPermanentResidenceID, "911040199001010015", nil2, "check character does not match"},
		{"2023 format office 81", ForeignPermanentResidenceID, "981140199001010012", nil2, "accepting office code is not a mainland province code"},
		{"2023 format sequence 000", ForeignPermanentResidenceID, "911040199001010006", nil2, "sequence code must not be 000"},
		{"2023 format future birth", ForeignPermanentResidenceID, "911040203001010013", nil2, "birth date encoded in the number is after today"},
		{"18 characters not starting with 9", ForeignPermanentResidenceID, "110105199001010010", nil2,
			"must be 18 characters beginning with 9, or 3 letters followed by 12 digits"},
		{"2023 format letter inside", ForeignPermanentResidenceID, "9110401990010100A4", nil2, "first 17 characters must be digits"},
		{"old format 2 letters", ForeignPermanentResidenceID, "US1110090123456", nil2,
			"must be 18 characters beginning with 9, or 3 letters followed by 12 digits"},
		{"old format 11 digits", ForeignPermanentResidenceID, "USA11009012345", nil2,
			"must be 18 characters beginning with 9, or 3 letters followed by 12 digits"},
		{"17 characters", ForeignPermanentResidenceID, "91104019900101001", nil2,
			"must be 18 characters beginning with 9, or 3 letters followed by 12 digits"},

		// Passport.
		{"E + 8 digits", Passport, "E12345678", NumberInfo{Normalized: "E12345678"}, ""},
		{"E + letter + 7 digits", Passport, "EA1234567", NumberInfo{Normalized: "EA1234567"}, ""},
		{"lower-case", Passport, "ej1234567", NumberInfo{Normalized: "EJ1234567"}, ""},
		{"E + I", Passport, "EI1234567", nil2, "must be E followed by 8 digits, or E, a letter other than I and O, and 7 digits"},
		{"E + O", Passport, "EO1234567", nil2, "must be E followed by 8 digits, or E, a letter other than I and O, and 7 digits"},
		{"G passport", Passport, "G12345678", nil2, "must be E followed by 8 digits, or E, a letter other than I and O, and 7 digits"},
		{"8 characters", Passport, "E1234567", nil2, "must be E followed by 8 digits, or E, a letter other than I and O, and 7 digits"},
		{"10 characters", Passport, "E123456789", nil2, "must be E followed by 8 digits, or E, a letter other than I and O, and 7 digits"},
		{"two letters after E", Passport, "EAB123456", nil2, "must be E followed by 8 digits, or E, a letter other than I and O, and 7 digits"},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+"/"+tt.name, func(t *testing.T) {
			got, err := ValidateNumber(tt.typ, tt.in, today)
			if tt.reason != "" {
				if !errors.Is(err, ErrInvalidNumber) {
					t.Fatalf("ValidateNumber() error = %v, want ErrInvalidNumber", err)
				}
				var ne *NumberError
				if !errors.As(err, &ne) {
					t.Fatalf("ValidateNumber() error %T is not a *NumberError", err)
				}
				if ne.Type != tt.typ || ne.Reason != tt.reason {
					t.Errorf("NumberError = {%q, %q}, want {%q, %q}", ne.Type, ne.Reason, tt.typ, tt.reason)
				}
				if got != (NumberInfo{}) {
					t.Errorf("ValidateNumber() info = %+v on error, want zero", got)
				}
				if n := strings.TrimSpace(tt.in); len(n) >= 6 && strings.Contains(strings.ToUpper(err.Error()), strings.ToUpper(n)) {
					t.Errorf("error message %q contains the number", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ValidateNumber() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("ValidateNumber() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// nil2 is the zero NumberInfo, for readability of error rows.
var nil2 NumberInfo

func TestValidateNumberUnknownType(t *testing.T) {
	for _, typ := range []Type{"", "driving_licence", "RESIDENT_ID_CARD"} {
		_, err := ValidateNumber(typ, "11010519491231002X", today)
		if !errors.Is(err, ErrUnknownType) {
			t.Errorf("ValidateNumber(%q) error = %v, want ErrUnknownType", typ, err)
		}
		if errors.Is(err, ErrInvalidNumber) {
			t.Errorf("ValidateNumber(%q) error = %v, must not be ErrInvalidNumber", typ, err)
		}
	}
}

// TestProvinceCodes checks every 2-digit prefix against the list of
// mainland province-level codes, for a resident ID card and for the
// accepting office of a foreigner's permanent residence ID.
func TestProvinceCodes(t *testing.T) {
	mainland := map[int]bool{}
	for _, r := range [][2]int{{11, 15}, {21, 23}, {31, 37}, {41, 46}, {50, 54}, {61, 65}} {
		for p := r[0]; p <= r[1]; p++ {
			mainland[p] = true
		}
	}
	if len(mainland) != 31 {
		t.Fatalf("test table has %d provinces, want 31", len(mainland))
	}
	for p := range 100 {
		n := withCheck(t, fmt.Sprintf("%02d00001990010100", p)+"1")
		_, err := ValidateNumber(ResidentIDCard, n, today)
		if mainland[p] != (err == nil) {
			t.Errorf("resident ID with province %02d: error = %v, want valid = %v", p, err, mainland[p])
		}
		f := withCheck(t, fmt.Sprintf("9%02d156199001010", p)+"02")
		_, err = ValidateNumber(ForeignPermanentResidenceID, f, today)
		if mainland[p] != (err == nil) {
			t.Errorf("foreign permanent residence ID with office %02d: error = %v, want valid = %v", p, err, mainland[p])
		}
	}
}

// withCheck appends the check character to 17 digits.
func withCheck(t *testing.T, first17 string) string {
	t.Helper()
	c, err := CheckCharacter(first17)
	if err != nil {
		t.Fatalf("CheckCharacter(%q): %v", first17, err)
	}
	return first17 + string(c)
}

func TestCheckCharacter(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'},
		{"44052418800101001", '4'},
		{"11010520000229001", '3'},
		{"44030019900307123", '4'},
		{"31011519790101556", '3'},
		{"00000000000000000", '1'},
	}
	for _, tt := range tests {
		got, err := CheckCharacter(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CheckCharacter(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1101051949123100", "110105194912310021", "1101051949123100A", "1101051949123100 ", "１１０１０５１９４９１２３１"} {
		if _, err := CheckCharacter(bad); !errors.Is(err, ErrInvalidNumber) {
			t.Errorf("CheckCharacter(%q) error = %v, want ErrInvalidNumber", bad, err)
		}
	}
}

func TestCheckWeights(t *testing.T) {
	for i, w := range mod112Weights {
		want := 1
		for range 17 - i {
			want = want * 2 % 11
		}
		if w != want {
			t.Errorf("weight %d = %d, want 2^%d mod 11 = %d", i, w, 17-i, want)
		}
	}
}

// TestCheckCharacterDetectsSingleErrors checks the MOD 11-2 property the
// check character exists for: changing any one digit, or swapping two
// different adjacent digits, changes the check character.
func TestCheckCharacterDetectsSingleErrors(t *testing.T) {
	base := "11010519491231002"
	want := checkChar(base)
	for i := range 17 {
		for c := byte('0'); c <= '9'; c++ {
			if c == base[i] {
				continue
			}
			b := []byte(base)
			b[i] = c
			if checkChar(string(b)) == want {
				t.Errorf("changing position %d to %c keeps the check character", i, c)
			}
		}
		if i < 16 && base[i] != base[i+1] {
			b := []byte(base)
			b[i], b[i+1] = b[i+1], b[i]
			if checkChar(string(b)) == want {
				t.Errorf("swapping positions %d and %d keeps the check character", i, i+1)
			}
		}
	}
}

func TestMakeNumber18(t *testing.T) {
	tests := []struct {
		region string
		birth  Date
		seq    int
		want   string
	}{
		{"110105", d(1949, 12, 31), 2, "11010519491231002X"},
		{"440524", d(1880, 1, 1), 1, "440524188001010014"},
		{"810000", d(1990, 1, 1), 1, "810000199001010019"},
		{"830000", d(2001, 6, 15), 3, "830000200106150033"},
		{"911040", d(1990, 1, 1), 1, "911040199001010014"},
		{"440300", d(1990, 3, 7), 123, "440300199003071234"},
	}
	for _, tt := range tests {
		got, err := MakeNumber18(tt.region, tt.birth, tt.seq)
		if err != nil || got != tt.want {
			t.Errorf("MakeNumber18(%q, %v, %d) = %q, %v; want %q", tt.region, tt.birth, tt.seq, got, err, tt.want)
		}
	}
	bad := []struct {
		region string
		birth  Date
		seq    int
	}{
		{"11010", d(1990, 1, 1), 1},
		{"1101050", d(1990, 1, 1), 1},
		{"11010A", d(1990, 1, 1), 1},
		{"110105", Date{}, 1},
		{"110105", d(2001, 2, 29), 1},
		{"110105", d(10000, 1, 1), 1},
		{"110105", d(-1, 1, 1), 1},
		{"110105", d(1990, 1, 1), 0},
		{"110105", d(1990, 1, 1), 1000},
		{"110105", d(1990, 1, 1), -5},
	}
	for _, tt := range bad {
		if _, err := MakeNumber18(tt.region, tt.birth, tt.seq); !errors.Is(err, ErrInvalidNumber) {
			t.Errorf("MakeNumber18(%q, %v, %d) error = %v, want ErrInvalidNumber", tt.region, tt.birth, tt.seq, err)
		}
	}
}

// TestMakeNumber18RoundTrip builds numbers for every day of a leap and a
// non-leap year and a spread of sequence codes and checks ValidateNumber
// reads back what went in.
func TestMakeNumber18RoundTrip(t *testing.T) {
	for _, year := range []int{1900, 2000, 2023} {
		for day := d(year, 1, 1); day.Year == year; day = DateOf(day.Time().AddDate(0, 0, 1)) {
			for _, seq := range []int{1, 2, 37, 500, 999} {
				n, err := MakeNumber18("320102", day, seq)
				if err != nil {
					t.Fatalf("MakeNumber18: %v", err)
				}
				info, err := ValidateNumber(ResidentIDCard, n, today)
				if err != nil {
					t.Fatalf("ValidateNumber(MakeNumber18(%v, %d)): %v", day, seq, err)
				}
				wantSex := Male
				if seq%2 == 0 {
					wantSex = Female
				}
				if info.Birth != day || info.Sex != wantSex || info.Region != "320102" || info.Normalized != n {
					t.Fatalf("ValidateNumber(MakeNumber18(%v, %d)) = %+v", day, seq, info)
				}
			}
		}
	}
}

func TestCheckIdentity(t *testing.T) {
	base := Identity{
		Type: ResidentIDCard, Number: "11010519491231002X", Name: "张三",
		Sex: Female, Birth: d(1949, 12, 31),
	}
	with := func(f func(*Identity)) Identity {
		id := base
		f(&id)
		return id
	}
	tests := []struct {
		name string
		id   Identity
		want []error // every error the result must match; nil: valid
	}{
		{"valid resident ID", base, nil},
		{"valid lower-case x", with(func(id *Identity) { id.Number = "11010519491231002x" }), nil},
		{"valid passport, no sex or birth in number", Identity{Type: Passport, Number: "E12345678", Name: "LI SI", Sex: Male, Birth: d(1970, 5, 1)}, nil},
		{"valid travel permit, empty sex", Identity{Type: HKMacauTravelPermit, Number: "H1234567801", Name: "陳大文", Birth: d(1980, 1, 2)}, nil},
		{"valid foreign 2023", Identity{Type: ForeignPermanentResidenceID, Number: "911040199001010014", Name: "JOHN DOE", Sex: Male, Birth: d(1990, 1, 1)}, nil},
		{"sex mismatch", with(func(id *Identity) { id.Sex = Male }), []error{ErrIdentityMismatch}},
		{"sex missing but encoded", with(func(id *Identity) { id.Sex = "" }), []error{ErrIdentityMismatch}},
		{"birth mismatch", with(func(id *Identity) { id.Birth = d(1949, 12, 30) }), []error{ErrIdentityMismatch}},
		{"foreign birth mismatch", Identity{Type: ForeignPermanentResidenceID, Number: "911040199001010014", Name: "JOHN DOE", Sex: Male, Birth: d(1991, 1, 1)}, []error{ErrIdentityMismatch}},
		{"foreign sex mismatch", Identity{Type: ForeignPermanentResidenceID, Number: "911040199001010014", Name: "JOHN DOE", Sex: Female, Birth: d(1990, 1, 1)}, []error{ErrIdentityMismatch}},
		{"invalid number", with(func(id *Identity) { id.Number = "110105194912310021" }), []error{ErrInvalidNumber}},
		{"number of another type", with(func(id *Identity) { id.Type = TaiwanResidencePermit }), []error{ErrInvalidNumber}},
		{"unknown type", with(func(id *Identity) { id.Type = "library_card" }), []error{ErrInvalidIdentity, ErrUnknownType}},
		{"empty name", with(func(id *Identity) { id.Name = "" }), []error{ErrInvalidIdentity}},
		{"blank name", with(func(id *Identity) { id.Name = " \t" }), []error{ErrInvalidIdentity}},
		{"bad sex value", with(func(id *Identity) { id.Sex = "X" }), []error{ErrInvalidIdentity}},
		{"zero birth", with(func(id *Identity) { id.Birth = Date{} }), []error{ErrInvalidIdentity}},
		{"impossible birth", with(func(id *Identity) { id.Birth = d(1949, 2, 30) }), []error{ErrInvalidIdentity}},
		{"birth after today", Identity{Type: Passport, Number: "E12345678", Name: "LI SI", Sex: Male, Birth: d(2025, 7, 16)}, []error{ErrInvalidIdentity}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckIdentity(tt.id, today)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckIdentity() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckIdentity() = nil, want %v", tt.want)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("CheckIdentity() = %v, want errors.Is %v", err, w)
				}
			}
			msg := err.Error()
			for _, secret := range []string{tt.id.Name, tt.id.Number, tt.id.Birth.String()} {
				if strings.TrimSpace(secret) != "" && strings.Contains(msg, secret) {
					t.Errorf("error message %q contains identity data %q", msg, secret)
				}
			}
		})
	}
}

func TestMaskNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11010519491231002X", "110*************2X"},
		{"H1234567801", "H12******01"},
		{"E12345678", "E12****78"},
		{"01234567", "012***67"},
		{"0123456", "*******"},
		{"ABC", "***"},
		{"A", "*"},
		{"", ""},
		{"身份证号码一二三", "身份证***二三"},
		{"\xff\xfe\xfd", "***"},
	}
	for _, tt := range tests {
		if got := MaskNumber(tt.in); got != tt.want {
			t.Errorf("MaskNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDateValid(t *testing.T) {
	tests := []struct {
		d    Date
		want bool
	}{
		{d(2000, 2, 29), true},
		{d(2024, 2, 29), true},
		{d(1900, 2, 29), false},
		{d(2023, 2, 29), false},
		{d(2023, 4, 31), false},
		{d(2023, 12, 31), true},
		{d(2023, 13, 1), false},
		{d(2023, 0, 1), false},
		{d(2023, 1, 0), false},
		{Date{}, false},
	}
	for _, tt := range tests {
		if got := tt.d.Valid(); got != tt.want {
			t.Errorf("%+v.Valid() = %v, want %v", tt.d, got, tt.want)
		}
	}
}

func BenchmarkValidateNumber(b *testing.B) {
	cases := []struct {
		typ Type
		n   string
	}{
		{ResidentIDCard, "11010519491231002X"},
		{HKMacauResidencePermit, "810000199001010019"},
		{TaiwanResidencePermit, "830000200106150033"},
		{HKMacauTravelPermit, "H1234567801"},
		{TaiwanTravelPermit, "01234567"},
		{ForeignPermanentResidenceID, "911040199001010014"},
		{Passport, "EA1234567"},
	}
	for _, c := range cases {
		b.Run(string(c.typ), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ValidateNumber(c.typ, c.n, today); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
