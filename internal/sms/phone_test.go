package sms

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string // want "" means ErrInvalidPhone
	}{
		{"13812345678", "+8613812345678"},
		{"138 1234 5678", "+8613812345678"},
		{"138-1234-5678", "+8613812345678"},
		{"+86 138 1234 5678", "+8613812345678"},
		{"+8613812345678", "+8613812345678"},
		{"0086 13812345678", "+8613812345678"},
		{"86 13812345678", "+8613812345678"},
		{"8613812345678", "+8613812345678"},
		{"19912345678", "+8619912345678"},
		{"+852 9123 4567", "+85291234567"},
		{"+44 7700-900123", "+447700900123"},
		{"+1 415 555 2671", "+14155552671"},
		{"+12345678", "+12345678"},
		{"+123456789012345", "+123456789012345"},
		{"12812345678", ""},       // 1[3-9] only
		{"23812345678", ""},       // not a mobile
		{"1381234567", ""},        // 10 digits
		{"138123456789", ""},      // 12 digits
		{"+86 10 1234 5678", ""},  // mainland landline
		{"+86 138 1234 567", ""},  // short mobile
		{"0086 1012345678", ""},   // landline via 0086
		{"91234567", ""},          // foreign without +
		{"+1234567", ""},          // 7 digits
		{"+1234567890123456", ""}, // 16 digits
		{"+0123456789", ""},       // country code 0
		{"++8613812345678", ""},   // two pluses
		{"138+12345678", ""},      // plus inside
		{"(138)12345678", ""},     // parentheses not accepted
		{"１３８１２３４５６７８", ""},       // full-width digits
		{"", ""},
		{"+", ""},
		{strings.Repeat("1", 100), ""},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrInvalidPhone) {
				t.Errorf("NormalizePhone(%q) = %q, %v; want ErrInvalidPhone", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalizePhoneErrorHasNoDigits(t *testing.T) {
	_, err := NormalizePhone("+86 10 1234 5678")
	if err == nil || strings.ContainsAny(err.Error(), "0123456789") {
		t.Fatalf("error %v echoes the number (or is nil)", err)
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+8613812345678", "+86 138****5678"},
		{"+447700900123", "+44******0123"},
		{"+85291234567", "+85*****4567"},
		{"+12345678", "+12****78"},
		{"13812345678", "****"},
		{"+86abc", "****"},
		{"", "****"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138-1234-5678", "0086 13812345678", "+44 7700 900123", "+", "86", "++1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePhone(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidPhone) {
				t.Fatalf("error %v does not wrap ErrInvalidPhone", err)
			}
			return
		}
		d, ok := strings.CutPrefix(got, "+")
		if !ok || len(d) < 8 || len(d) > 15 || strings.Trim(d, "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q) = %q, not E.164", s, got)
		}
		again, err := NormalizePhone(got)
		if err != nil || again != got {
			t.Fatalf("NormalizePhone(%q) = %q, %v; want it unchanged", got, again, err)
		}
		if m := MaskPhone(got); m == got || strings.Contains(m, d) {
			t.Fatalf("MaskPhone(%q) = %q reveals the number", got, m)
		}
	})
}
