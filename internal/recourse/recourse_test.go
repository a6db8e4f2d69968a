package recourse

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/netid-project/netid/internal/storage"
)

func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		year int
		seq  int64
		want string
	}{
		{2026, 1, "SS-2026-000001"},
		{2026, 123, "SS-2026-000123"},
		{2027, 999999, "SS-2027-999999"},
		{2027, 1000000, "SS-2027-1000000"},
	} {
		if got := Number(tc.year, tc.seq); got != tc.want {
			t.Errorf("Number(%d, %d) = %s, want %s", tc.year, tc.seq, got, tc.want)
		}
	}
}

func TestGroundFits(t *testing.T) {
	fits := map[storage.CaseKind][]Ground{
		storage.CaseRecord:       {GroundNotMe, GroundWrongDetails, GroundOther},
		storage.CaseSuspension:   {GroundWronglySuspended, GroundOther},
		storage.CaseRelyingParty: {GroundPlaintextAgain, GroundNoOtherWay, GroundOther},
	}
	all := []Ground{GroundNotMe, GroundWrongDetails, GroundWronglySuspended, GroundPlaintextAgain, GroundNoOtherWay, GroundOther, "", "weather"}
	for kind, good := range fits {
		for _, g := range all {
			want := false
			for _, ok := range good {
				want = want || g == ok
			}
			if got := g.Fits(kind); got != want {
				t.Errorf("%q.Fits(%s) = %v, want %v", g, kind, got, want)
			}
		}
	}
	if GroundOther.Fits("weather") {
		t.Error("a ground fits an unknown kind")
	}
}

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"plain", "那天我不在本地。", true},
		{"lines and tabs", "一\n二\t三\r\n", true},
		{"exactly the limit", strings.Repeat("长", 10), true},
		{"one too many", strings.Repeat("长", 11), false},
		{"empty", "", false},
		{"blank", " \n\t", false},
		{"NUL", "a\x00b", false},
		{"escape", "a\x1b[31mb", false},
		{"line separator", "a\u2028b", false},
		{"invalid UTF-8", "a\xffb", false},
	} {
		err := CheckText("statement", tc.text, 10)
		if (err == nil) != tc.ok {
			t.Errorf("%s: CheckText = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v is not ErrInvalid", tc.name, err)
		}
		if err != nil && strings.Contains(err.Error(), tc.text) && strings.TrimSpace(tc.text) != "" {
			t.Errorf("%s: the error repeats the text: %v", tc.name, err)
		}
	}
}

// FuzzCheckText: whatever a holder sends, CheckText either refuses it with
// ErrInvalid, never repeating it, or accepts plain text within the limit.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"那天我不在本地。", "", " ", "a\x00", "\u2028", "\xff", strings.Repeat("长", 1001), "line\nline\tx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckText("statement", s, MaxStatement)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%v is not ErrInvalid", err)
			}
			if len(s) > 8 && strings.Contains(err.Error(), s) {
				t.Fatalf("the error repeats the text: %v", err)
			}
			return
		}
		if !utf8.ValidString(s) || strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > MaxStatement {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
				t.Fatalf("accepted a control character in %q", s)
			}
		}
	})
}
