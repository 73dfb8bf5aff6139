package ivr

import (
	"errors"
	"testing"
)

func TestExprEval(t *testing.T) {
	vars := map[string]string{"ani": "8613800000000", "dnis": "5000", "lang": "zh", "http.vip": "true",
		"http.score": "42", "empty": ""}
	lookup := func(k string) string { return vars[k] }
	tests := []struct {
		src  string
		want bool
	}{
		{`lang == "zh"`, true},
		{`lang != "zh"`, false},
		{`http.score > 40`, true},
		{`http.score < 40`, false},
		{`http.score >= 42 && http.score <= 42`, true},
		{`lang > 1`, false}, // not a number: numeric comparisons are false
		{`startsWith(ani, "86")`, true},
		{`endsWith(ani, "99")`, false},
		{`contains(dnis, "00")`, true},
		{`!startsWith(ani, "1")`, true},
		{`lang == "en" || http.vip == "true"`, true},
		{`lang == "en" || http.vip == "true" && dnis == "1"`, false}, // && binds tighter
		{`(lang == "en" || http.vip == "true") && dnis == "5000"`, true},
		{`empty`, false},
		{`http.vip`, true},
		{`missing == ""`, true},
		{`-1 < 0`, true},
		{`"a\"b" == "a\"b"`, true},
	}
	for _, tt := range tests {
		e, err := parseExpr(tt.src)
		if err != nil {
			t.Errorf("parseExpr(%q): %v", tt.src, err)
			continue
		}
		if got := e.eval(lookup); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.src, got, tt.want)
		}
	}
}

func TestExprSyntaxErrors(t *testing.T) {
	for _, src := range []string{``, `a ==`, `(a`, `a b`, `"open`, `a = b`, `startsWith(a)`, `&& a`, `a @ b`} {
		if _, err := parseExpr(src); !errors.Is(err, ErrBadExpr) {
			t.Errorf("parseExpr(%q) = %v, want ErrBadExpr", src, err)
		}
	}
}

// FuzzParseExpr: switch expressions come from admins' YAML; the parser must
// never panic or hang, and whatever parses must evaluate.
func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{`a == "x"`, `startsWith(ani, "86") && b < 3 || !(c)`, `((((`, `"\`, `-`, `a.b.c >= -2.5`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := parseExpr(src)
		if err != nil {
			return
		}
		e.eval(func(string) string { return "1" })
	})
}
