package webauth

import (
	"net/http/httptest"
	"testing"

	"github.com/hotline/hotline/cti"
)

func TestCheck(t *testing.T) {
	toks := []cti.Token{{Token: "crm-1", Role: "crm"}, {Token: "sup-1", Role: "supervisor"}, {Token: "bad", Role: "god"}}
	for _, tc := range []struct {
		tok  string
		ok   bool
		role cti.Role
	}{{"sup-1", true, cti.RoleSupervisor}, {"crm-1", true, cti.RoleCRM}, {"crm-", false, 0}, {"", false, 0}, {"bad", false, 0}} {
		p, ok := Check(toks, tc.tok)
		if ok != tc.ok || (ok && p.Role != tc.role) {
			t.Errorf("Check(%q) = %v %v, want %v %v", tc.tok, p, ok, tc.role, tc.ok)
		}
	}
}

func TestBearer(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer  abc ")
	if got := Bearer(r); got != "abc" {
		t.Errorf("Bearer = %q", got)
	}
	r.Header.Set("Authorization", "Basic abc")
	if got := Bearer(r); got != "" {
		t.Errorf("Basic accepted as bearer: %q", got)
	}
}
