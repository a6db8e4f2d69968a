package document

import (
	"fmt"
	"time"
)

// Type is one of the seven legal identity document types (法定身份证件) that
// qualify for a 网号 and 网证.
type Type string

// The seven legal document types, named as in the Measures.
const (
	// ResidentIDCard is the resident identity card (居民身份证).
	ResidentIDCard Type = "resident_id_card"
	// HKMacauResidencePermit is the residence permit for Hong Kong and Macau
	// residents (港澳居民居住证).
	HKMacauResidencePermit Type = "hk_macau_residence_permit"
	// TaiwanResidencePermit is the residence permit for Taiwan residents
	// (台湾居民居住证).
	TaiwanResidencePermit Type = "taiwan_residence_permit"
	// HKMacauTravelPermit is the Mainland travel permit for Hong Kong and
	// Macau residents (港澳居民来往内地通行证).
	HKMacauTravelPermit Type = "hk_macau_travel_permit"
	// TaiwanTravelPermit is the Mainland travel permit for Taiwan residents
	// (台湾居民来往大陆通行证).
	TaiwanTravelPermit Type = "taiwan_travel_permit"
	// ForeignPermanentResidenceID is the foreigner's permanent residence ID
	// card (外国人永久居留身份证).
	ForeignPermanentResidenceID Type = "foreign_permanent_residence_id"
	// Passport is the PRC ordinary passport held by an overseas Chinese
	// (中国公民普通护照, 华侨).
	Passport Type = "passport"
)

// Types lists every legal document type, in the order of the Measures.
var Types = []Type{
	ResidentIDCard, HKMacauResidencePermit, TaiwanResidencePermit,
	HKMacauTravelPermit, TaiwanTravelPermit, ForeignPermanentResidenceID, Passport,
}

// Valid reports whether t is one of the seven legal document types.
func (t Type) Valid() bool {
	for _, v := range Types {
		if t == v {
			return true
		}
	}
	return false
}

// Title is the document type's Chinese name, for people.
func (t Type) Title() string {
	switch t {
	case ResidentIDCard:
		return "居民身份证"
	case HKMacauResidencePermit:
		return "港澳居民居住证"
	case TaiwanResidencePermit:
		return "台湾居民居住证"
	case HKMacauTravelPermit:
		return "港澳居民来往内地通行证"
	case TaiwanTravelPermit:
		return "台湾居民来往大陆通行证"
	case ForeignPermanentResidenceID:
		return "外国人永久居留身份证"
	case Passport:
		return "中国公民普通护照"
	}
	return string(t)
}

// Sex is the holder's sex as recorded on the document.
type Sex string

// Sexes recorded on documents.
const (
	Male   Sex = "M"
	Female Sex = "F"
)

// Date is a calendar date without time of day or zone, written YYYY-MM-DD.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a YYYY-MM-DD date and rejects impossible dates.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("document: invalid date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Zone is the time zone of document dates: validity and age are counted in
// Beijing time.
var Zone = time.FixedZone("UTC+8", 8*60*60)

// Today is the date of t in Zone: the day on which document validity and
// age are judged at instant t.
func Today(t time.Time) Date { return DateOf(t.In(Zone)) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a real calendar date: month 1-12 and a day that
// exists in that month (February 29 only in leap years). The zero Date is
// not valid.
func (d Date) Valid() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 &&
		DateOf(d.Time()) == d
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Time returns midnight UTC at the start of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Time().Before(e.Time()) }

// AgeOn returns the age in whole years, on day, of a person born on d.
func (d Date) AgeOn(day Date) int {
	age := day.Year - d.Year
	if day.Month < d.Month || (day.Month == d.Month && day.Day < d.Day) {
		age--
	}
	return age
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// zeroText is how the zero Date is written (a document valid for life has
// a zero ValidUntil).
const zeroText = "0000-00-00"

// UnmarshalText implements encoding.TextUnmarshaler. It accepts
// "0000-00-00", the zero Date's text, as the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if string(b) == zeroText {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Identity is the identity data group of a document's chip: the attributes
// the issuing authority recorded (Resident ID Card Law art. 3, fingerprints
// excluded, and the equivalents on the other document types). Fields a
// document type does not carry are empty.
type Identity struct {
	Type             Type   `json:"type"`
	Number           string `json:"number"`
	Name             string `json:"name"`
	NameLatin        string `json:"name_latin,omitempty"`
	Sex              Sex    `json:"sex"`
	Ethnicity        string `json:"ethnicity,omitempty"`
	Nationality      string `json:"nationality,omitempty"`
	Birth            Date   `json:"birth_date"`
	Address          string `json:"address,omitempty"`
	IssuingAuthority string `json:"issuing_authority"`
	ValidFrom        Date   `json:"valid_from"`
	// ValidUntil is the last day the document is valid. A zero ValidUntil
	// means the document is valid for life (长期).
	ValidUntil Date `json:"valid_until"`
}
