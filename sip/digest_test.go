package sip

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"regexp"
	"testing"
	"time"
)

// authorize computes a client's Authorization header for a challenge, the
// way a phone does (qop=auth).
func authorize(t *testing.T, h func() hash.Hash, alg, chal, user, pass, method, uri string, nc int) string {
	t.Helper()
	m := regexp.MustCompile(`realm="([^"]+)", nonce="([^"]+)"`).FindStringSubmatch(chal)
	if m == nil {
		t.Fatalf("bad challenge %q", chal)
	}
	hx := func(s string) string { x := h(); x.Write([]byte(s)); return hex.EncodeToString(x.Sum(nil)) }
	ha1 := hx(user + ":" + m[1] + ":" + pass)
	ha2 := hx(method + ":" + uri)
	resp := hx(fmt.Sprintf("%s:%s:%08x:%s:auth:%s", ha1, m[2], nc, "c0ffee", ha2))
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=%s, qop=auth, nc=%08x, cnonce="c0ffee"`,
		user, m[1], m[2], uri, resp, alg, nc)
}

func TestDigestVerify(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	d := newDigester("hotline", func() time.Time { return now })
	d.algorithms = []string{"MD5", "SHA-256"}
	pw := func(u string) (string, bool) { return map[string]string{"1001": "alice1001"}[u], u == "1001" }
	ch := d.challenges(false)
	if len(ch) != 2 {
		t.Fatalf("want MD5 and SHA-256 challenges, got %d", len(ch))
	}
	for i, c := range []struct {
		h   func() hash.Hash
		alg string
	}{{md5.New, "MD5"}, {sha256.New, "SHA-256"}} {
		ch := d.challenges(false) // fresh nonce per algorithm, as a phone gets
		a := authorize(t, c.h, c.alg, ch[i], "1001", "alice1001", "REGISTER", "sip:127.0.0.1", 1)
		if u, err := d.verify(a, "REGISTER", pw); err != nil || u != "1001" {
			t.Errorf("%s: verify = %q, %v", c.alg, u, err)
		}
		if _, err := d.verify(a, "REGISTER", pw); !errors.Is(err, errReplay) {
			t.Errorf("%s: replayed nc accepted: %v", c.alg, err)
		}
		a2 := authorize(t, c.h, c.alg, ch[i], "1001", "alice1001", "REGISTER", "sip:127.0.0.1", 2)
		if _, err := d.verify(a2, "REGISTER", pw); err != nil {
			t.Errorf("%s: next nc refused: %v", c.alg, err)
		}
	}
	bad := authorize(t, md5.New, "MD5", ch[0], "1001", "wrong", "REGISTER", "sip:127.0.0.1", 3)
	if _, err := d.verify(bad, "REGISTER", pw); !errors.Is(err, errBadResponse) {
		t.Errorf("wrong password: %v", err)
	}
	unknown := authorize(t, md5.New, "MD5", ch[0], "9999", "x", "REGISTER", "sip:127.0.0.1", 1)
	if _, err := d.verify(unknown, "REGISTER", pw); !errors.Is(err, errBadResponse) {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := d.verify("", "REGISTER", pw); !errors.Is(err, errNoCredentials) {
		t.Errorf("no header: %v", err)
	}
	forged := regexp.MustCompile(`nonce="[^"]+"`).ReplaceAllString(
		authorize(t, md5.New, "MD5", ch[0], "1001", "alice1001", "REGISTER", "sip:127.0.0.1", 9), `nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"`)
	if _, err := d.verify(forged, "REGISTER", pw); !errors.Is(err, errBadNonce) {
		t.Errorf("forged nonce: %v", err)
	}
	now = now.Add(6 * time.Minute)
	late := authorize(t, md5.New, "MD5", ch[0], "1001", "alice1001", "REGISTER", "sip:127.0.0.1", 10)
	if _, err := d.verify(late, "REGISTER", pw); !errors.Is(err, errStaleNonce) {
		t.Errorf("expired nonce: %v", err)
	}
}
