package document

// Number rules of the seven document types. The GB 11643 / ISO 7064 MOD 11-2
// check is a dozen lines of arithmetic and no module allowed in go.mod
// implements it, so it is written here and tested against the examples
// published in GB 11643-1999 and against its error-detection property.

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors returned by the number checks. Every error describing a malformed
// number is a *NumberError, which matches ErrInvalidNumber under errors.Is.
var (
	// ErrInvalidNumber means a document number does not follow the rules of
	// its document type (length, characters, address code, birth date,
	// sequence code or check character).
	ErrInvalidNumber = errors.New("document: invalid document number")
	// ErrIdentityMismatch means the sex or birth date encoded in a document
	// number disagrees with the sex or birth date recorded on the chip.
	ErrIdentityMismatch = errors.New("document: number disagrees with identity data")
	// ErrUnknownType means a document type is not one of the seven legal
	// document types.
	ErrUnknownType = errors.New("document: unknown document type")
	// ErrInvalidIdentity means identity data lacks a required attribute or
	// carries an impossible one (empty name, missing or future birth date,
	// unknown sex); see CheckIdentity.
	ErrInvalidIdentity = errors.New("document: invalid identity data")
)

// NumberError describes why a document number is invalid. Reason is a fixed
// English phrase; it never contains the number or any part of it.
// errors.Is(err, ErrInvalidNumber) holds for every *NumberError.
type NumberError struct {
	Type   Type   // document type the number was checked against; "" when none
	Reason string // which rule the number breaks
}

// Error implements error.
func (e *NumberError) Error() string {
	if e.Type == "" {
		return "document: invalid number: " + e.Reason
	}
	return "document: invalid " + string(e.Type) + " number: " + e.Reason
}

// Unwrap returns ErrInvalidNumber.
func (e *NumberError) Unwrap() error { return ErrInvalidNumber }

// NumberInfo is what a document number encodes.
type NumberInfo struct {
	// Normalized is the canonical form: upper-case letters (including an X
	// check character), no spaces.
	Normalized string
	// Birth is the birth date, zero if the number encodes none.
	Birth Date
	// Sex is the holder's sex, "" if the number encodes none.
	Sex Sex
	// Region is the 6-digit address code of a resident ID card or residence
	// permit number ("" for every other type, including the foreigner's
	// permanent residence ID, whose first digits are not an address code;
	// see Province and Nationality).
	Region string
	// IssueCount is the HK/Macau travel permit's optional 2-digit issue
	// count, 0 if absent. Normalized tells "00" from an absent count.
	IssueCount int
	// Province is the 2-digit province-level code of the accepting office
	// of a 2023-format foreigner's permanent residence ID ("" otherwise).
	Province string
	// Nationality is the 3-digit numeric nationality code (ISO 3166-1
	// numeric) of a 2023-format foreigner's permanent residence ID ("" for
	// every other number, including the old format, whose letter code is
	// left in Normalized).
	Nationality string
}

// earliestBirth is the earliest birth date an 18-character number may
// encode. GB 11643 itself uses a number of a person born in 1880 as an
// example, so the bound is 1800-01-01 (the 18-character form exists to
// carry the century), not 1900-01-01.
var earliestBirth = Date{1800, time.January, 1}

// mod112Weights are the ISO 7064 MOD 11-2 weights 2^(17-i) mod 11 of the
// first 17 characters, left to right (GB 11643 table 1).
var mod112Weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// Fixed address codes of the residence permits (GB 11643 as amended for
// residence permits: Hong Kong 810000, Macau 820000, Taiwan 830000).
const (
	regionHongKong = "810000"
	regionMacau    = "820000"
	regionTaiwan   = "830000"
)

// CheckCharacter returns the ISO 7064 MOD 11-2 check character ('0'-'9' or
// 'X') for first17, the first 17 characters (all ASCII digits) of an
// 18-character number.
func CheckCharacter(first17 string) (byte, error) {
	if len(first17) != 17 || !allDigits(first17) {
		return 0, &NumberError{Reason: "check character needs exactly 17 digits"}
	}
	return checkChar(first17), nil
}

// checkChar computes the MOD 11-2 check character of 17 ASCII digits.
func checkChar(first17 string) byte {
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * mod112Weights[i]
	}
	c := (12 - sum%11) % 11
	if c == 10 {
		return 'X'
	}
	return byte('0' + c)
}

// ValidateNumber checks number against the rules of document type t and
// returns what it encodes. today bounds the birth date an 18-character
// number may encode. Surrounding spaces are removed and letters upper-cased
// (so a lower-case x check character is accepted); inner spaces and
// non-ASCII characters are rejected.
//
// A malformed number yields a *NumberError (errors.Is ErrInvalidNumber); a t
// that is not a legal document type yields an error wrapping ErrUnknownType.
func ValidateNumber(t Type, number string, today Date) (NumberInfo, error) {
	if !t.Valid() {
		return NumberInfo{}, fmt.Errorf("document: validate number: %w", ErrUnknownType)
	}
	s, reason := normalize(number)
	if reason != "" {
		return NumberInfo{}, &NumberError{Type: t, Reason: reason}
	}
	var (
		info NumberInfo
		err  string
	)
	switch t {
	case ResidentIDCard:
		info, err = validateCitizen18(s, today, residentRegion)
	case HKMacauResidencePermit:
		info, err = validateCitizen18(s, today, hkMacauRegion)
	case TaiwanResidencePermit:
		info, err = validateCitizen18(s, today, taiwanRegion)
	case HKMacauTravelPermit:
		info, err = validateHKMacauTravel(s)
	case TaiwanTravelPermit:
		info, err = validateTaiwanTravel(s)
	case ForeignPermanentResidenceID:
		info, err = validateForeign(s, today)
	case Passport:
		info, err = validatePassport(s)
	}
	if err != "" {
		return NumberInfo{}, &NumberError{Type: t, Reason: err}
	}
	info.Normalized = s
	return info, nil
}

// normalize trims surrounding ASCII white space, upper-cases ASCII letters
// and rejects anything but ASCII letters and digits. It returns the
// normalised number or a non-empty reason.
func normalize(number string) (string, string) {
	s := strings.Trim(number, " \t\r\n")
	if s == "" {
		return "", "is empty"
	}
	b := make([]byte, len(s))
	for i := range len(s) {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			return "", "must not contain spaces"
		case c >= 0x80:
			return "", "must contain only ASCII letters and digits"
		default:
			return "", "must contain only letters and digits"
		}
		b[i] = c
	}
	return string(b), ""
}

// regionRule checks the 6-digit address code of an 18-character number and
// returns a non-empty reason if the type does not allow it.
type regionRule func(region string) string

func residentRegion(region string) string {
	if !mainlandProvince(region[:2]) {
		return "address code is not a mainland province code"
	}
	return ""
}

func hkMacauRegion(region string) string {
	if region != regionHongKong && region != regionMacau {
		return "address code must be 810000 (Hong Kong) or 820000 (Macau)"
	}
	return ""
}

func taiwanRegion(region string) string {
	if region != regionTaiwan {
		return "address code must be 830000 (Taiwan)"
	}
	return ""
}

// mainlandProvince reports whether p (2 digits) is a province-level
// division code of the mainland (GB/T 2260): 11-15, 21-23, 31-37, 41-46,
// 50-54, 61-65. 71 (Taiwan), 81 (Hong Kong), 82 (Macau) and 83 (the code
// of Taiwan residence permits) are not.
func mainlandProvince(p string) bool {
	if len(p) != 2 || !allDigits(p) {
		return false
	}
	n := int(p[0]-'0')*10 + int(p[1]-'0')
	switch {
	case n >= 11 && n <= 15, n >= 21 && n <= 23, n >= 31 && n <= 37,
		n >= 41 && n <= 46, n >= 50 && n <= 54, n >= 61 && n <= 65:
		return true
	}
	return false
}

// validateCitizen18 checks a GB 11643 18-character number: address code
// (checked by rule), birth date, sequence code and check character.
func validateCitizen18(s string, today Date, rule regionRule) (NumberInfo, string) {
	if len(s) == 15 && allDigits(s) {
		return NumberInfo{}, "15-digit numbers are no longer accepted; must be 18 characters"
	}
	if reason := shape18(s); reason != "" {
		return NumberInfo{}, reason
	}
	if reason := rule(s[:6]); reason != "" {
		return NumberInfo{}, reason
	}
	info, reason := birthSexCheck(s, today)
	if reason != "" {
		return NumberInfo{}, reason
	}
	info.Region = s[:6]
	return info, ""
}

// shape18 checks that s is 17 digits followed by a digit or X.
func shape18(s string) string {
	if len(s) != 18 {
		return "must be 18 characters"
	}
	if !allDigits(s[:17]) {
		return "first 17 characters must be digits"
	}
	if c := s[17]; c != 'X' && (c < '0' || c > '9') {
		return "last character must be a digit or X"
	}
	return ""
}

// birthSexCheck checks the birth date (characters 7-14), the sequence code
// (15-17) and the check character (18) of an 18-character number of valid
// shape, and returns the birth date and sex.
func birthSexCheck(s string, today Date) (NumberInfo, string) {
	birth := Date{
		Year:  atoi(s[6:10]),
		Month: time.Month(atoi(s[10:12])),
		Day:   atoi(s[12:14]),
	}
	if !birth.Valid() {
		return NumberInfo{}, "birth date encoded in the number is not a valid date"
	}
	if birth.Before(earliestBirth) {
		return NumberInfo{}, "birth date encoded in the number is before 1800-01-01"
	}
	if today.Before(birth) {
		return NumberInfo{}, "birth date encoded in the number is after today"
	}
	if s[14:17] == "000" {
		return NumberInfo{}, "sequence code must not be 000"
	}
	if checkChar(s[:17]) != s[17] {
		return NumberInfo{}, "check character does not match"
	}
	sex := Female
	if (s[16]-'0')%2 == 1 {
		sex = Male
	}
	return NumberInfo{Birth: birth, Sex: sex}, ""
}

// validateHKMacauTravel checks H or M, 8 digits and an optional 2-digit
// issue count.
func validateHKMacauTravel(s string) (NumberInfo, string) {
	const reason = "must be H or M followed by 8 digits, optionally 2 more digits"
	if (len(s) != 9 && len(s) != 11) || (s[0] != 'H' && s[0] != 'M') || !allDigits(s[1:]) {
		return NumberInfo{}, reason
	}
	var info NumberInfo
	if len(s) == 11 {
		info.IssueCount = atoi(s[9:])
	}
	return info, ""
}

// validateTaiwanTravel checks exactly 8 digits.
func validateTaiwanTravel(s string) (NumberInfo, string) {
	if len(s) != 8 || !allDigits(s) {
		return NumberInfo{}, "must be 8 digits"
	}
	return NumberInfo{}, ""
}

// validateForeign checks a foreigner's permanent residence ID number: the
// 2023 format (9, 2-digit province code of the accepting office, 3-digit
// nationality code, birth date, sequence code, check character) or the old
// format (3 upper-case letters, 12 digits).
func validateForeign(s string, today Date) (NumberInfo, string) {
	const reason = "must be 18 characters beginning with 9, or 3 letters followed by 12 digits"
	switch len(s) {
	case 15:
		if !allUpper(s[:3]) || !allDigits(s[3:]) {
			return NumberInfo{}, reason
		}
		return NumberInfo{}, ""
	case 18:
		if s[0] != '9' {
			return NumberInfo{}, reason
		}
		if r := shape18(s); r != "" {
			return NumberInfo{}, r
		}
		if !mainlandProvince(s[1:3]) {
			return NumberInfo{}, "accepting office code is not a mainland province code"
		}
		info, r := birthSexCheck(s, today)
		if r != "" {
			return NumberInfo{}, r
		}
		info.Province = s[1:3]
		info.Nationality = s[3:6]
		return info, ""
	}
	return NumberInfo{}, reason
}

// validatePassport checks E followed by 8 digits, or E, a letter other than
// I and O, and 7 digits.
func validatePassport(s string) (NumberInfo, string) {
	const reason = "must be E followed by 8 digits, or E, a letter other than I and O, and 7 digits"
	if len(s) != 9 || s[0] != 'E' || !allDigits(s[2:]) {
		return NumberInfo{}, reason
	}
	c := s[1]
	if (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'O') {
		return NumberInfo{}, ""
	}
	return NumberInfo{}, reason
}

// CheckIdentity validates id.Number for id.Type and checks that the sex and
// birth date the number encodes agree with id.Sex and id.Birth. It also
// checks that id.Type is a legal document type, id.Name is not blank,
// id.Sex is "", Male or Female, and id.Birth is a real date not after
// today.
//
// Errors wrap ErrUnknownType and ErrInvalidIdentity (bad type),
// ErrInvalidIdentity (missing or impossible attribute), ErrInvalidNumber
// (via *NumberError) or ErrIdentityMismatch. Messages never contain the
// identity data.
func CheckIdentity(id Identity, today Date) error {
	if !id.Type.Valid() {
		return fmt.Errorf("document: check identity: %w: %w", ErrInvalidIdentity, ErrUnknownType)
	}
	if strings.TrimSpace(id.Name) == "" {
		return fmt.Errorf("document: check identity: %w: name is empty", ErrInvalidIdentity)
	}
	if id.Sex != "" && id.Sex != Male && id.Sex != Female {
		return fmt.Errorf("document: check identity: %w: sex must be M or F", ErrInvalidIdentity)
	}
	if id.Birth.IsZero() {
		return fmt.Errorf("document: check identity: %w: birth date is missing", ErrInvalidIdentity)
	}
	if !id.Birth.Valid() {
		return fmt.Errorf("document: check identity: %w: birth date is not a valid date", ErrInvalidIdentity)
	}
	if today.Before(id.Birth) {
		return fmt.Errorf("document: check identity: %w: birth date is after today", ErrInvalidIdentity)
	}
	info, err := ValidateNumber(id.Type, id.Number, today)
	if err != nil {
		return fmt.Errorf("document: check identity: %w", err)
	}
	if info.Sex != "" && info.Sex != id.Sex {
		return fmt.Errorf("document: check identity: %w: sex encoded in the number differs", ErrIdentityMismatch)
	}
	if !info.Birth.IsZero() && info.Birth != id.Birth {
		return fmt.Errorf("document: check identity: %w: birth date encoded in the number differs", ErrIdentityMismatch)
	}
	return nil
}

// MaskNumber returns a display form of a document number that keeps the
// first 3 and last 2 characters and replaces every other character with
// '*', e.g. 110***********002X. Numbers shorter than 8 characters would
// show too much of themselves that way and are masked entirely. It works on
// runes, never panics, and does not validate n.
func MaskNumber(n string) string {
	const head, tail, minLen = 3, 2, 8
	r := []rune(n)
	if len(r) < minLen {
		return strings.Repeat("*", len(r))
	}
	for i := head; i < len(r)-tail; i++ {
		r[i] = '*'
	}
	return string(r)
}

// MakeNumber18 builds a valid 18-character GB 11643 number from a 6-digit
// address code, a birth date and a sequence code 1-999 (odd for a man, even
// for a woman), with the right check character. It is meant for tests and
// the development document authority. It does not check the address code
// against a document type nor birth against today: ValidateNumber does.
func MakeNumber18(region string, birth Date, sequence int) (string, error) {
	if len(region) != 6 || !allDigits(region) {
		return "", &NumberError{Reason: "address code must be 6 digits"}
	}
	if !birth.Valid() || birth.Year < 0 || birth.Year > 9999 {
		return "", &NumberError{Reason: "birth date is not a valid date with a 4-digit year"}
	}
	if sequence < 1 || sequence > 999 {
		return "", &NumberError{Reason: "sequence code must be 1-999"}
	}
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", region, birth.Year, int(birth.Month), birth.Day, sequence)
	return first17 + string(checkChar(first17)), nil
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allUpper(s string) bool {
	for i := range len(s) {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// atoi converts a short string of ASCII digits, already checked.
func atoi(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
