package help

import (
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/i18n"
)

func TestValidate(t *testing.T) {
	for _, h := range []Help{
		{},
		{Text: "请致电 12345。\n或前往就近派出所。", TextEN: "Call 12345.", Hotline: "12345", OfficesURL: "https://gov.example/offices?city=bj"},
		{Hotline: "+86 10 1234 5678"},
		{Hotline: "400-123-4567"},
		{OfficesURL: "http://127.0.0.1:8080/offices"},
		{Text: strings.Repeat("帮", MaxText)},
	} {
		if err := h.Validate(); err != nil {
			t.Errorf("%+v: %v", h, err)
		}
	}
	for _, tc := range []struct {
		h    Help
		flag string
	}{
		{Help{TextEN: "Call us."}, "--help-text-en"},
		{Help{Text: strings.Repeat("帮", MaxText+1)}, "--help-text"},
		{Help{Text: "bad \x1b[31m escape"}, "--help-text"},
		{Help{Text: "ok", TextEN: "bidi \u202e trick"}, "--help-text-en"},
		{Help{Text: "\xff"}, "--help-text"},
		{Help{Hotline: "call us"}, "--help-hotline"},
		{Help{Hotline: "12"}, "--help-hotline"},
		{Help{Hotline: "1--2"}, "--help-hotline"},
		{Help{Hotline: "+"}, "--help-hotline"},
		{Help{Hotline: strings.Repeat("1", 21)}, "--help-hotline"},
		{Help{OfficesURL: "http://gov.example/offices"}, "--help-offices-url"},
		{Help{OfficesURL: "javascript:alert(1)"}, "--help-offices-url"},
		{Help{OfficesURL: "/offices"}, "--help-offices-url"},
		{Help{OfficesURL: "https://user:pw@gov.example/"}, "--help-offices-url"},
	} {
		err := tc.h.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.flag) {
			t.Errorf("%+v: got %v, want an error naming %s", tc.h, err, tc.flag)
		}
	}
}

func TestFor(t *testing.T) {
	h := Help{Text: "请致电。", TextEN: "Please call.", Hotline: "12345", OfficesURL: "https://gov.example/"}
	if got := h.For(i18n.Chinese); got != (api.Help{Text: "请致电。", Hotline: "12345", OfficesURL: "https://gov.example/"}) {
		t.Errorf("Chinese: %+v", got)
	}
	if got := h.For(i18n.English); got.Text != "Please call." {
		t.Errorf("English: %+v", got)
	}
	h.TextEN = ""
	if got := h.For(i18n.English); got.Text != "请致电。" {
		t.Errorf("English without an English text: %+v", got)
	}
	if (Help{}).Configured() || !(Help{Hotline: "12345"}).Configured() {
		t.Error("Configured")
	}
}

func TestTel(t *testing.T) {
	for in, want := range map[string]string{"12345": "tel:12345", "+86 10 1234-5678": "tel:+861012345678", "400-123-4567": "tel:4001234567"} {
		if got := Tel(in); got != want {
			t.Errorf("Tel(%q) = %q, want %q", in, got, want)
		}
	}
}
