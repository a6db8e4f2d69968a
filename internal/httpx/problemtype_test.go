package httpx

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/i18n"
)

const modulePath = "github.com/netid-project/netid"

// declaredSlugs parses every non-test Go file of the module and returns the
// slug of every httpx.NewType call, by file position. It fails the test
// for a call inside a function other than init (the registry would miss
// the type until the function runs) and for a slug it cannot resolve to a
// string constant.
func declaredSlugs(t *testing.T) map[string]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	fset := token.NewFileSet()
	files := map[string][]*ast.File{} // by package directory, relative to root
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		files[filepath.ToSlash(rel)] = append(files[filepath.ToSlash(rel)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// String constants by package directory and name.
	consts := map[string]map[string]string{}
	for dir, fs := range files {
		consts[dir] = map[string]string{}
		for _, f := range fs {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, s := range g.Specs {
					v := s.(*ast.ValueSpec)
					for i, n := range v.Names {
						if i < len(v.Values) {
							if lit, ok := v.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								consts[dir][n.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				}
			}
		}
	}
	slugs := map[string]string{}
	for dir, fs := range files {
		for _, f := range fs {
			imports := map[string]string{} // local name → directory
			for _, im := range f.Imports {
				p, _ := strconv.Unquote(im.Path.Value)
				if !strings.HasPrefix(p, modulePath+"/") {
					continue
				}
				name := p[strings.LastIndex(p, "/")+1:]
				if im.Name != nil {
					name = im.Name.Name
				}
				imports[name] = strings.TrimPrefix(p, modulePath+"/")
			}
			isNewType := func(call *ast.CallExpr) bool {
				switch fn := call.Fun.(type) {
				case *ast.SelectorExpr:
					x, ok := fn.X.(*ast.Ident)
					return ok && fn.Sel.Name == "NewType" && imports[x.Name] == "internal/httpx"
				case *ast.Ident:
					return fn.Name == "NewType" && dir == "internal/httpx"
				}
				return false
			}
			resolve := func(e ast.Expr) (string, bool) {
				switch e := e.(type) {
				case *ast.BasicLit:
					s, err := strconv.Unquote(e.Value)
					return s, err == nil && e.Kind == token.STRING
				case *ast.Ident:
					s, ok := consts[dir][e.Name]
					return s, ok
				case *ast.SelectorExpr:
					if x, ok := e.X.(*ast.Ident); ok {
						s, ok := consts[imports[x.Name]][e.Sel.Name]
						return s, ok
					}
				}
				return "", false
			}
			for _, d := range f.Decls {
				fn, inFunc := d.(*ast.FuncDecl)
				ast.Inspect(d, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok || !isNewType(call) {
						return true
					}
					pos := fset.Position(call.Pos()).String()
					if inFunc && (fn.Name.Name != "init" || fn.Recv != nil) {
						t.Errorf("%s: httpx.NewType inside %s: declare problem types at package level", pos, fn.Name.Name)
					}
					if len(call.Args) != 2 {
						t.Errorf("%s: NewType with %d arguments", pos, len(call.Args))
						return true
					}
					slug, ok := resolve(call.Args[1])
					if !ok {
						t.Errorf("%s: the slug is not a string constant", pos)
						return true
					}
					slugs[pos] = slug
					return true
				})
			}
		}
	}
	return slugs
}

// Every problem type declared anywhere in the module has its title and
// next step in the message catalogue (both languages: i18n's own test).
func TestEveryProblemTypeHasMessages(t *testing.T) {
	slugs := declaredSlugs(t)
	if len(slugs) < 100 {
		t.Fatalf("found only %d problem types: the test does not read the module", len(slugs))
	}
	for pos, slug := range slugs {
		for _, k := range []i18n.Key{i18n.ProblemTitle(slug), i18n.ProblemNext(slug)} {
			if !i18n.Has(k) {
				t.Errorf("%s: problem type %q has no message %s", pos, slug, k)
			}
		}
	}
	// This package's own types are registered and covered.
	for _, ty := range Types() {
		if !i18n.Has(i18n.ProblemTitle(ty.Slug)) {
			t.Errorf("registered problem type %q has no title", ty.Slug)
		}
	}
}

// The title of a problem document is the catalogue's, in the language of
// the request: the lang cookie, then Accept-Language, then Chinese.
func TestProblemTitleLanguage(t *testing.T) {
	for _, tc := range []struct {
		name, cookie, accept string
		title, lang          string
	}{
		{"no preference", "", "", "找不到请求的内容", "zh-CN"},
		{"accept en", "", "en-US,en;q=0.9", "Not found", "en"},
		{"accept zh", "", "zh-CN", "找不到请求的内容", "zh-CN"},
		{"accept fr", "", "fr", "找不到请求的内容", "zh-CN"},
		{"cookie en wins", "en", "zh-CN", "Not found", "en"},
		{"cookie zh wins", "zh-CN", "en", "找不到请求的内容", "zh-CN"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		if tc.cookie != "" {
			r.AddCookie(&http.Cookie{Name: i18n.CookieName, Value: tc.cookie})
		}
		if tc.accept != "" {
			r.Header.Set("Accept-Language", tc.accept)
		}
		w := httptest.NewRecorder()
		WriteError(w, r, nil, NotFound())
		p := readProblem(t, w, http.StatusNotFound, SlugNotFound)
		if p.Title != tc.title || w.Header().Get("Content-Language") != tc.lang {
			t.Errorf("%s: title %q, Content-Language %q; want %q, %q", tc.name, p.Title, w.Header().Get("Content-Language"), tc.title, tc.lang)
		}
		if p.Detail != "The requested resource does not exist." {
			t.Errorf("%s: detail %q: the detail stays the developer's English", tc.name, p.Detail)
		}
	}
}
