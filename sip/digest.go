package sip

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"

	"github.com/icholy/digest"
)

// Digest authentication (RFC 3261 §22, RFC 8760 for SHA-256). Nonces are
// stateless — a timestamp sealed with an HMAC — so a restart or a flood does
// not grow memory; replay is refused by remembering the highest nonce-count
// seen per nonce until the nonce expires.

var (
	errNoCredentials = errors.New("no credentials")
	errStaleNonce    = errors.New("stale nonce")
	errBadNonce      = errors.New("bad nonce")
	errBadResponse   = errors.New("wrong password")
	errReplay        = errors.New("replayed nonce count")
)

type digester struct {
	realm  string
	secret []byte
	ttl    time.Duration
	now    func() time.Time

	// algorithms challenged, in order. Only MD5 by default: deployed phones
	// (baresip 1.0's libre among them) give up on a challenge list holding
	// an algorithm they do not know instead of skipping it.
	algorithms []string

	mu  sync.Mutex
	ncs map[string]int // nonce -> highest nc accepted
}

func newDigester(realm string, now func() time.Time) *digester {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return &digester{realm: realm, secret: secret, ttl: 5 * time.Minute, now: now, ncs: map[string]int{}, algorithms: []string{"MD5"}}
}

func (d *digester) nonce() string {
	// timestamp | random | MAC: unique per challenge even within a clock tick
	var b [8 + 8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(d.now().UnixNano()))
	_, _ = rand.Read(b[8:16])
	m := hmac.New(sha256.New, d.secret)
	m.Write(b[:16])
	copy(b[16:], m.Sum(nil)[:16])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (d *digester) checkNonce(n string) error {
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) != 32 {
		return errBadNonce
	}
	m := hmac.New(sha256.New, d.secret)
	m.Write(b[:16])
	if !hmac.Equal(m.Sum(nil)[:16], b[16:]) {
		return errBadNonce
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	if d.now().Sub(issued) > d.ttl {
		return errStaleNonce
	}
	return nil
}

// challenges returns one WWW-Authenticate value per configured algorithm
// (RFC 8760: the client uses the first it supports). A response with
// either MD5 or SHA-256 is verified whatever was challenged.
func (d *digester) challenges(stale bool) []string {
	n := d.nonce()
	st := ""
	if stale {
		st = ", stale=true"
	}
	out := make([]string, 0, len(d.algorithms))
	for _, alg := range d.algorithms {
		out = append(out, fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=%s, qop="auth"%s`, d.realm, n, alg, st))
	}
	return out
}

// verify checks an Authorization header value for method against the
// password lookup; it returns the authenticated username.
func (d *digester) verify(authz, method string, password func(user string) (string, bool)) (string, error) {
	if authz == "" {
		return "", errNoCredentials
	}
	cr, err := digest.ParseCredentials(authz)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errBadResponse, err)
	}
	if err := d.checkNonce(cr.Nonce); err != nil {
		return cr.Username, err
	}
	pass, ok := password(cr.Username)
	if !ok {
		return cr.Username, errBadResponse
	}
	var h func() hash.Hash
	switch strings.ToUpper(cr.Algorithm) {
	case "", "MD5":
		h = md5.New
	case "SHA-256":
		h = sha256.New
	default:
		return cr.Username, fmt.Errorf("%w: algorithm %q", errBadResponse, cr.Algorithm)
	}
	hx := func(s string) string { x := h(); x.Write([]byte(s)); return hex.EncodeToString(x.Sum(nil)) }
	ha1 := hx(cr.Username + ":" + d.realm + ":" + pass)
	ha2 := hx(method + ":" + cr.URI)
	var want string
	if cr.QOP == "" {
		want = hx(ha1 + ":" + cr.Nonce + ":" + ha2)
	} else {
		want = hx(fmt.Sprintf("%s:%s:%08x:%s:%s:%s", ha1, cr.Nonce, cr.Nc, cr.Cnonce, cr.QOP, ha2))
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(cr.Response))) != 1 {
		return cr.Username, errBadResponse
	}
	if cr.QOP != "" {
		d.mu.Lock()
		defer d.mu.Unlock()
		if last, seen := d.ncs[cr.Nonce]; seen && cr.Nc <= last {
			return cr.Username, errReplay
		}
		d.ncs[cr.Nonce] = cr.Nc
		if len(d.ncs) > 100000 { // bounded: expired nonces are useless anyway
			d.ncs = map[string]int{cr.Nonce: cr.Nc}
		}
	}
	return cr.Username, nil
}
