package server

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netid-project/netid/internal/api"
	"github.com/netid-project/netid/internal/storage"
	"github.com/netid-project/netid/internal/verification"
)

// A constSource names string constants a package declares: those of type
// Type, or, when Type is empty, the untyped ones whose name starts with
// Prefix.
type constSource struct {
	Pkg, Type, Prefix string
}

// enumCase is one mapping table from domain (or storage) values to api
// values.
type enumCase struct {
	name    string
	table   map[string]string
	sources []constSource
	// extra are keys that are no declared constant, by a label.
	extra map[string]string
	// apiType is the api type whose every constant the table must reach,
	// unless partial.
	apiType string
	partial bool
	valid   func(string) bool
}

func strs[D, A ~string](m map[D]A) map[string]string {
	out := make(map[string]string, len(m))
	for d, a := range m {
		out[string(d)] = string(a)
	}
	return out
}

func validOf[A interface {
	~string
	Valid() bool
}]() func(string) bool {
	return func(s string) bool { return A(s).Valid() }
}

func enumCases() []enumCase {
	return []enumCase{
		{name: "application kind", table: strs(applicationKinds), sources: []constSource{{"storage", "ApplicationKind", ""}},
			apiType: "ApplicationKind", valid: validOf[api.ApplicationKind]()},
		{name: "application state", table: strs(applicationStates), sources: []constSource{{"storage", "ApplicationState", ""}},
			apiType: "ApplicationState", valid: validOf[api.ApplicationState]()},
		{name: "minor band", table: strs(minorBands), sources: []constSource{{"person", "", "Minor"}},
			apiType: "MinorBand", valid: validOf[api.MinorBand]()},
		{name: "recover action", table: strs(recoverActions), sources: []constSource{{"proofing", "", "Action"}},
			apiType: "RecoverAction", valid: validOf[api.RecoverAction]()},
		{name: "credential status", table: strs(credentialStatuses), sources: []constSource{{"storage", "CredentialStatus", ""}},
			apiType: "CredentialState", partial: true, valid: validOf[api.CredentialState]()},
		{name: "credential state", table: strs(credentialStates), sources: []constSource{{"lifecycle", "", "State"}},
			apiType: "CredentialState", valid: validOf[api.CredentialState]()},
		{name: "status by", table: strs(statusBys), sources: []constSource{{"storage", "", "StatusBy"}},
			extra: map[string]string{
				"storage.OperatorOver(StatusByHolder)":   storage.OperatorOver(storage.StatusByHolder),
				"storage.OperatorOver(StatusByRecovery)": storage.OperatorOver(storage.StatusByRecovery),
			},
			apiType: "StatusBy", valid: validOf[api.StatusBy]()},
		{name: "person state", table: strs(personStates), sources: []constSource{{"storage", "PersonState", ""}},
			apiType: "PersonState", valid: validOf[api.PersonState]()},
		{name: "operator action", table: strs(operatorActions), sources: []constSource{{"lifecycle", "Action", ""}},
			apiType: "OperatorAction", valid: validOf[api.OperatorAction]()},
		{name: "phone code", table: strs(phoneCodes), sources: []constSource{{"lifecycle", "Which", ""}},
			apiType: "PhoneCode", valid: validOf[api.PhoneCode]()},
		{name: "level", table: strs(levels), sources: []constSource{{"verification", "Level", ""}, {"eidverify", "", "Level"}},
			apiType: "Level", valid: validOf[api.Level]()},
		{name: "session state", table: strs(sessionStates), sources: []constSource{{"storage", "SessionState", ""}},
			apiType: "SessionState", valid: validOf[api.SessionState]()},
		{name: "relying party category", table: strs(rpCategories), sources: []constSource{{"storage", "", "Category"}},
			apiType: "RPCategory", valid: func(s string) bool {
				return s == string(api.CategoryInternetService) || s == string(api.CategoryInPerson)
			}},
		{name: "record channel", table: strs(recordChannels),
			sources: []constSource{{"verification", "", "Channel"}, {"eidverify", "", "Channel"}, {"audit", "", "Channel"}, {"proofing", "", "Channel"}, {"recourse", "", "Channel"}},
			apiType: "RecordChannel", valid: validOf[api.RecordChannel]()},
		{name: "record outcome", table: strs(recordOutcomes),
			sources: []constSource{{"lifecycle", "", "Outcome"}, {"proofing", "", "Outcome"}, {"eidverify", "", "Outcome"}, {"verification", "", "Outcome"}, {"recourse", "", "Outcome"}},
			extra: map[string]string{
				`storage.SessionApproved`:    string(storage.SessionApproved),
				`storage.SessionDeclined`:    string(storage.SessionDeclined),
				`storage.SessionCancelled`:   string(storage.SessionCancelled),
				`storage.SessionExpired`:     string(storage.SessionExpired),
				`storage.SessionFailed`:      string(storage.SessionFailed),
				`verification's "presented"`: "presented",
			},
			apiType: "RecordOutcome", valid: validOf[api.RecordOutcome]()},
		{name: "in-person kind", table: strs(inPersonKinds), sources: []constSource{{"relyingparty", "InPersonKind", ""}},
			apiType: "InPersonKind", valid: validOf[api.InPersonKind]()},
		{name: "case kind", table: strs(caseKinds), sources: []constSource{{"storage", "CaseKind", ""}},
			apiType: "CaseKind", valid: validOf[api.CaseKind]()},
		{name: "case state", table: strs(caseStates), sources: []constSource{{"storage", "CaseState", ""}},
			apiType: "CaseState", valid: validOf[api.CaseState]()},
		{name: "case ground", table: strs(caseGrounds), sources: []constSource{{"recourse", "Ground", ""}},
			apiType: "CaseGround", valid: validOf[api.CaseGround]()},
		{name: "case resolution", table: strs(caseResolutions), sources: []constSource{{"recourse", "Resolution", ""}},
			apiType: "CaseResolution", valid: validOf[api.CaseResolution]()},
		{name: "case action", table: strs(caseActions), sources: []constSource{{"recourse", "Action", ""}},
			apiType: "CaseAction", valid: validOf[api.CaseAction]()},
		{name: "eID field", table: strs(eidFields), sources: []constSource{{"eidverify", "Field", ""}},
			apiType: "EIDField", valid: validOf[api.EIDField]()},
	}
}

// TestWireEnums checks each mapping table against the constants the
// domain declares: every one is mapped (a new state cannot reach the wire
// under its storage name), no key is stale, the api values are valid and
// distinct, and every api constant is reached. TestWireEnumsGolden then
// pins which domain constant goes to which api value.
func TestWireEnums(t *testing.T) {
	for _, c := range enumCases() {
		t.Run(c.name, func(t *testing.T) {
			declared := map[string]string{} // value → label
			for _, src := range c.sources {
				for name, v := range declaredConsts(t, src) {
					declared[v] = src.Pkg + "." + name
				}
			}
			if len(declared) == 0 {
				t.Fatal("no constants found: is the source right?")
			}
			for label, v := range c.extra {
				declared[v] = label
			}
			for v, label := range declared {
				if _, ok := c.table[v]; !ok {
					t.Errorf("%s (%q) is not mapped", label, v)
				}
			}
			seen := map[string]string{}
			for k, v := range c.table {
				if _, ok := declared[k]; !ok {
					t.Errorf("key %q is no constant the domain declares", k)
				}
				if !c.valid(v) {
					t.Errorf("%q maps to %q, which is not a valid api value", k, v)
				}
				if other, dup := seen[v]; dup {
					t.Errorf("%q and %q both map to %q", k, other, v)
				}
				seen[v] = k
			}
			if c.partial {
				return
			}
			for name, v := range declaredConsts(t, constSource{Pkg: "api", Type: c.apiType}) {
				if _, ok := seen[v]; !ok {
					t.Errorf("api.%s (%q) is reached by no domain constant", name, v)
				}
			}
		})
	}
}

// TestWireEnumsGolden pins, by the constants' names, what each domain
// constant goes out as: renaming a storage or domain constant's value
// leaves it (and the wire) unchanged, swapping two mappings fails it.
func TestWireEnumsGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range enumCases() {
		var lines []string
		for _, src := range c.sources {
			for name, v := range declaredConsts(t, src) {
				lines = append(lines, fmt.Sprintf("  %s.%s -> %q", src.Pkg, name, c.table[v]))
			}
		}
		for label, v := range c.extra {
			lines = append(lines, fmt.Sprintf("  %s -> %q", label, c.table[v]))
		}
		slices.Sort(lines)
		fmt.Fprintf(&b, "%s\n%s\n", c.name, strings.Join(lines, "\n"))
	}
	golden(t, "enums.txt", []byte(b.String()))
}

// TestLevelsAgree checks that api.Level orders the levels as verification
// does.
func TestLevelsAgree(t *testing.T) {
	for d, a := range levels {
		for dm, am := range levels {
			if d.AtLeast(dm) != a.AtLeast(am) {
				t.Errorf("%s at least %s: verification %v, api %v", d, dm, d.AtLeast(dm), a.AtLeast(am))
			}
		}
		for _, s := range []string{string(d), d.ACR()} {
			if got, ok := api.ParseLevel(s); !ok || got != a {
				t.Errorf("api.ParseLevel(%q) = %q, %v; want %q", s, got, ok, a)
			}
			if got, err := verification.ParseLevel(s); err != nil || got != d {
				t.Errorf("verification.ParseLevel(%q) = %q, %v", s, got, err)
			}
		}
	}
}

// declaredConsts returns the string constants of src by name, read from
// the package's source (non-test files).
func declaredConsts(t *testing.T, src constSource) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", src.Pkg, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("package %s: no source files (%v)", src.Pkg, err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				typ := ""
				if id, ok := vs.Type.(*ast.Ident); ok {
					typ = id.Name
				}
				for i, name := range vs.Names {
					match := (src.Type != "" && typ == src.Type) ||
						(src.Type == "" && vs.Type == nil && strings.HasPrefix(name.Name, src.Prefix))
					if !match || !name.IsExported() {
						continue
					}
					lit, ok := valueAt(vs, i).(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						if src.Type == "" {
							continue // an untyped constant of another kind
						}
						t.Fatalf("%s.%s is not a string literal: teach declaredConsts its form", src.Pkg, name.Name)
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out[name.Name] = v
				}
			}
		}
	}
	return out
}

func valueAt(vs *ast.ValueSpec, i int) ast.Expr {
	if i < len(vs.Values) {
		return vs.Values[i]
	}
	return nil
}
