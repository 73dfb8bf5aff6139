package cti

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cti sits below the call layer and beside sip/media/store: it must not
// import them (architecture.md, dependency direction).
func TestNoForbiddenImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	forbidden := []string{"/sip", "/media", "/store", "/call", "/acd", "/ivr"}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if strings.HasPrefix(p, "github.com/hotline/hotline"+bad) {
					t.Errorf("%s imports %s", f, p)
				}
			}
		}
	}
}
