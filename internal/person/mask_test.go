package person

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMaskName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"张", "*"},
		{"张三", "张*"},
		{"张小三", "张*三"},
		{"欧阳小三", "欧**三"},
		{"SMITH JOHN", "S********N"},
	}
	for _, tt := range tests {
		if got := MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzMaskName(f *testing.F) {
	for _, s := range []string{"", "张", "张三", "SMITH JOHN", "\xff\xfe", "a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := MaskName(s)
		if utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
			t.Fatalf("mask %q of %q changes the length", m, s)
		}
		if s != "" && !strings.Contains(m, "*") {
			t.Fatalf("mask %q of %q hides nothing", m, s)
		}
	})
}
