package webwallet

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/netid-project/netid/internal/browsertest"
	"github.com/netid-project/netid/internal/document"
	"github.com/netid-project/netid/internal/password"
)

// jsRule is the name password.js gives each rule of password.Check.
var jsRule = map[password.Rule]string{
	password.RuleFormat:    "format",
	password.RuleSameDigit: "same-digit",
	password.RuleSequence:  "sequence",
	password.RuleRepeat:    "repeat",
	password.RuleBirthDate: "birth-date",
}

// passwordCase is one password with the birth date it is judged against.
type passwordCase struct {
	PW    string `json:"pw"`
	Year  int    `json:"year"`
	Month int    `json:"month"`
	Day   int    `json:"day"`
}

// passwordCases are the rules' own edge cases, the birth-date forms, and
// random digits and near-digits.
func passwordCases() []passwordCase {
	birth := passwordCase{Year: 1990, Month: 3, Day: 7}
	var out []passwordCase
	add := func(pw string, withBirth bool) {
		c := passwordCase{PW: pw}
		if withBirth {
			c.Year, c.Month, c.Day = birth.Year, birth.Month, birth.Day
		}
		out = append(out, c)
	}
	for _, pw := range []string{
		"", "1", "1234567", "123456789", "2741859a", "27418 96", "２７４１８５９６", "0000000０",
		"00000000", "99999999", "12345678", "23456789", "89012345", "90123456", "87654321", "76543210",
		"21098765", "10987654", "12121212", "90909090", "12341234", "98769876", "12312312", "27418596",
		"19900307", "07031990", "03071990", "19900703", "13572468",
	} {
		add(pw, true)
		add(pw, false)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, 8)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
			if r.IntN(200) == 0 {
				b[i] = "a -/:"[r.IntN(5)]
			}
		}
		// Runs, groups and birth dates are rare at random: build some.
		switch r.IntN(8) {
		case 0:
			d, step := byte(r.IntN(10)), byte(1+8*r.IntN(2))
			for i := range b {
				b[i] = '0' + (d+byte(i)*step)%10
			}
		case 1:
			p := 2 + 2*r.IntN(2)
			for i := p; i < 8; i++ {
				b[i] = b[i-p]
			}
		}
		add(string(b), r.IntN(2) == 0)
	}
	return out
}

// TestPasswordRulesMatchThePlatform runs password.js in Chromium on the
// same passwords as password.Check: the page must name the rule the
// platform will refuse, and accept what the platform accepts.
func TestPasswordRulesMatchThePlatform(t *testing.T) {
	bctx := browsertest.New(t)
	ts := jsTestServer(t, "password.js")
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/jstest/"), chromedp.Poll[chromedp.Void](`document.title === "ready"`)); err != nil {
		t.Fatalf("loading password.js: %v", err)
	}
	cases := passwordCases()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]*string](`(`+mustJSON(t, cases)+`).map(c =>
		window.mod.check(c.pw, c.year ? {year: c.year, month: c.month, day: c.day} : null))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cases) {
		t.Fatalf("%d answers for %d passwords", len(got), len(cases))
	}
	accepted := 0
	for i, c := range cases {
		var birth document.Date
		if c.Year != 0 {
			birth = document.Date{Year: c.Year, Month: time.Month(c.Month), Day: c.Day}
		}
		want := ""
		if err := password.Check(c.PW, birth); err != nil {
			we, _ := err.(*password.WeakError)
			want = jsRule[we.Rule]
		} else {
			accepted++
		}
		js := ""
		if got[i] != nil {
			js = *got[i]
		}
		if js != want {
			t.Errorf("password %q (birth %d-%02d-%02d): page says %q, platform %q", c.PW, c.Year, c.Month, c.Day, js, want)
		}
	}
	// status lists every rule, in the platform's order.
	rules, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.mod.status("11111111", null).map(s => s.rule + ":" + s.ok)`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rules, " ") != "format:true same-digit:false sequence:true repeat:false birth-date:true" {
		t.Errorf("status = %v", rules)
	}
	t.Logf("%d passwords compared, %d accepted by both", len(cases), accepted)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
