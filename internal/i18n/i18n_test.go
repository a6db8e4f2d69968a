package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// declaredKeys parses the package's source and returns every constant of
// type Key, so that a key declared without a catalogue entry is found.
func declaredKeys(t *testing.T) []Key {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var keys []Key
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		{
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, s := range g.Specs {
					v := s.(*ast.ValueSpec)
					if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Key" {
						continue
					}
					for _, n := range v.Names {
						keys = append(keys, Key(constValue(t, v, n)))
					}
				}
			}
		}
	}
	return keys
}

func constValue(t *testing.T, v *ast.ValueSpec, n *ast.Ident) string {
	t.Helper()
	for i, name := range v.Names {
		if name == n {
			lit, ok := v.Values[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Fatalf("key %s is not a string literal", n.Name)
			}
			return lit.Value[1 : len(lit.Value)-1]
		}
	}
	t.Fatalf("key %s has no value", n.Name)
	return ""
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Every key declared has both languages; the Chinese is Chinese, not the
// English copied; both take the same printf arguments; no two keys share
// a value.
func TestCatalogueComplete(t *testing.T) {
	keys := declaredKeys(t)
	if len(keys) < 10 {
		t.Fatalf("found only %d keys: the test does not read the package", len(keys))
	}
	seen := map[Key]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("key value %q declared twice", k)
		}
		seen[k] = true
		if _, ok := messages[k]; !ok {
			t.Errorf("key %q has no messages", k)
		}
	}
	for k, m := range messages {
		switch {
		case m.zh == "" || m.en == "":
			t.Errorf("key %q lacks a language: zh %q, en %q", k, m.zh, m.en)
		case m.zh == m.en || !hasHan(m.zh):
			t.Errorf("key %q: the Chinese %q is not Chinese", k, m.zh)
		case hasHan(m.en):
			t.Errorf("key %q: the English %q holds Chinese", k, m.en)
		}
		if zv, ev := verb.FindAllString(m.zh, -1), verb.FindAllString(m.en, -1); !equal(zv, ev) {
			t.Errorf("key %q: Chinese takes %v, English %v", k, zv, ev)
		}
	}
	for k := range messages {
		if !seen[k] && !named[k] {
			t.Errorf("message %q has no Key constant", k)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		tag  language.Tag
		key  Key
		args []any
		want string
	}{
		{Chinese, KeyWalletApply, nil, "申领"},
		{English, KeyWalletApply, nil, "Apply"},
		{language.MustParse("zh-Hans"), KeyWalletApply, nil, "申领"},
		{language.MustParse("en-GB"), KeyWalletApply, nil, "Apply"},
		{language.French, KeyWalletApply, nil, "申领"},
		{English, KeyLandingSDK, []any{"rp"}, "Go SDK: rp"},
		{Chinese, KeyLandingSDK, []any{"rp"}, "Go 开发包：rp"},
		{English, Key("no.such.key"), nil, "no.such.key"},
	} {
		if got := Lookup(tc.tag, tc.key, tc.args...); got != tc.want {
			t.Errorf("Lookup(%s, %s) = %q, want %q", tc.tag, tc.key, got, tc.want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		name, cookie, accept string
		want                 language.Tag
	}{
		{"nothing", "", "", Chinese},
		{"accept en", "", "en-US,en;q=0.9", English},
		{"accept zh", "", "zh-CN,zh;q=0.9,en;q=0.8", Chinese},
		{"accept en before zh", "", "en;q=0.9,zh-CN;q=0.5", English},
		{"accept other", "", "fr-FR,de;q=0.5", Chinese},
		{"accept garbage", "", ";;;q=x,,", Chinese},
		{"cookie en over accept zh", "en", "zh-CN", English},
		{"cookie zh over accept en", "zh-CN", "en", Chinese},
		{"cookie zh-Hans", "zh-Hans", "en", Chinese},
		{"cookie unknown falls to accept", "fr", "en", English},
		{"cookie garbage falls to accept", "<script>", "en", English},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.cookie != "" {
			r.AddCookie(&http.Cookie{Name: CookieName, Value: tc.cookie})
		}
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		if got := Negotiate(r); got != tc.want {
			t.Errorf("%s: Negotiate = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// FuzzNegotiate: whatever a cookie and Accept-Language hold, the answer is
// one of the catalogue's languages.
func FuzzNegotiate(f *testing.F) {
	f.Add("en", "zh-CN,zh;q=0.9")
	f.Add("", "en-US;q=0.5, *;q=0.1")
	f.Add("x-\x00", "zh-Hant-TW-u-co-pinyin")
	f.Fuzz(func(t *testing.T, cookie, accept string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", CookieName+"="+cookie)
		r.Header.Set("Accept-Language", accept)
		got := Negotiate(r)
		if got != Chinese && got != English {
			t.Fatalf("Negotiate(%q, %q) = %s", cookie, accept, got)
		}
	})
}

// Every message compiles (build panics on one that does not).
func TestEveryMessageCompiles(t *testing.T) {
	_ = build()
}

// BenchmarkBuild is what compiling the whole catalogue costs, which Lookup
// avoids by compiling each message on its first use.
func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		_ = build()
	}
}

// BenchmarkFirstLookup is what the first Lookup of a message costs in a
// process (a command that prints one message).
func BenchmarkFirstLookup(b *testing.B) {
	m := messages[KeyWalletApply]
	for b.Loop() {
		c := catalog.NewBuilder(catalog.Fallback(Chinese))
		compile(c, KeyWalletApply, m)
		_ = message.NewPrinter(English, message.Catalog(c)).Sprintf(string(KeyWalletApply))
	}
}

// Lookups racing on messages not yet compiled all get their text (run
// with -race).
func TestLookupConcurrent(t *testing.T) {
	keys := make([]Key, 0, len(messages))
	for k := range messages {
		keys = append(keys, k)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lang := Languages[g%2]
			for _, k := range keys {
				if got := Lookup(lang, k); got == string(k) || got == "" {
					t.Errorf("Lookup(%s, %s) = %q", lang, k, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
