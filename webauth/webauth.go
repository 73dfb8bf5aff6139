// Package webauth authenticates HTTP requests with the CTI tokens, so the
// report API and the wallboard use the same credentials and roles as the
// CTI socket and a token removed by a reload stops working at once.
package webauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/hotline/hotline/cti"
)

// Tokens returns the tokens configured now (read on every request).
type Tokens func() []cti.Token

// Check finds the principal of a presented token. Every configured token
// is compared, in constant time over hashes, so timing reveals neither
// which token matched nor its length.
func Check(tokens []cti.Token, presented string) (cti.Principal, bool) {
	if presented == "" {
		return cti.Principal{}, false
	}
	h := sha256.Sum256([]byte(presented))
	var found cti.Principal
	ok := 0
	for _, t := range tokens {
		th := sha256.Sum256([]byte(t.Token))
		eq := subtle.ConstantTimeCompare(h[:], th[:])
		if eq == 1 && ok == 0 {
			if p, err := cti.ParseRole(t.Role); err == nil {
				found = p
			} else {
				eq = 0
			}
		}
		ok |= eq
	}
	return found, ok == 1
}

// Bearer is the token of an "Authorization: Bearer <token>" header.
func Bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Allowed reports whether p has one of roles.
func Allowed(p cti.Principal, roles ...cti.Role) bool { return slices.Contains(roles, p.Role) }

// Error writes {"error": code, "message": msg} with status.
func Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "message": msg})
}
