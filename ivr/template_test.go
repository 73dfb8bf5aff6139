package ivr

import (
	"slices"
	"testing"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"ani": "555", "http.priority": "7"}
	lookup := func(k string) string { return vars[k] }
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"${ani}", "555"},
		{"caller ${ ani } prio ${http.priority}", "caller 555 prio 7"},
		{"${unknown}x", "x"},
		{"broken ${ani", "broken ${ani"},
		{"$ani", "$ani"},
	}
	for _, tt := range tests {
		if got := expand(tt.in, lookup); got != tt.want {
			t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := templateVars("${a}-${b.c}-${d"); !slices.Equal(got, []string{"a", "b.c"}) {
		t.Errorf("templateVars = %v", got)
	}
}
