package sip

import (
	"bytes"
	"strings"
)

// RFC 3261 lets a sender fold header lines and put linear white space
// around the separators of a header's parameters ("tag = 1918", "SIP / 2.0
// / UDP"); the SIP parser underneath reads neither, so such a request
// (RFC 4475 wsinv) would be refused 400 though it is valid. relaxLWS
// rewrites a datagram into the same message without that white space
// before the parser sees it. It returns data itself when nothing needs
// rewriting, so well-formed traffic pays only for the scan.

// lwsSeparators are the characters white space around which is dropped.
const lwsSeparators = ";=/,"

func relaxLWS(data []byte) []byte {
	i := bytes.Index(data, []byte("\r\n\r\n"))
	if i < 0 {
		return data
	}
	head, rest := data[:i], data[i:]
	if !needsRelax(head) {
		return data
	}
	lines := strings.Split(string(head), "\r\n")
	var out strings.Builder
	out.Grow(len(data))
	out.WriteString(lines[0])
	var cur string
	flush := func() {
		if cur == "" {
			return
		}
		out.WriteString("\r\n")
		name, val, ok := strings.Cut(cur, ":")
		if !ok {
			out.WriteString(cur) // not a header: left for the parser to judge
		} else {
			name, val = strings.TrimSpace(name), strings.TrimSpace(val)
			if structured(name) {
				val = relaxValue(val)
			}
			out.WriteString(name + ": " + val)
		}
		cur = ""
	}
	for _, l := range lines[1:] {
		if l != "" && (l[0] == ' ' || l[0] == '\t') && cur != "" {
			cur += " " + strings.TrimLeft(l, " \t") // unfold
			continue
		}
		flush()
		cur = l
	}
	flush()
	return append([]byte(out.String()), rest...)
}

// needsRelax reports whether a header block has a folded line, white space
// before a header's colon, or white space relaxValue would change. It
// allocates nothing: every datagram goes through it.
func needsRelax(head []byte) bool {
	rest := head
	if i := bytes.Index(rest, []byte("\r\n")); i >= 0 {
		rest = rest[i+2:]
	} else {
		return false
	}
	for len(rest) > 0 {
		l := rest
		if i := bytes.Index(rest, []byte("\r\n")); i >= 0 {
			l, rest = rest[:i], rest[i+2:]
		} else {
			rest = nil
		}
		if len(l) > 0 && (l[0] == ' ' || l[0] == '\t') {
			return true
		}
		name, val, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			continue
		}
		if len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t') {
			return true
		}
		if structuredBytes(name) && looseLWS(bytes.TrimSpace(val)) {
			return true
		}
	}
	return false
}

// looseLWS reports whether relaxValue would change v.
func looseLWS(v []byte) bool {
	quoted, angle, started := false, false, false
	var prev byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
			continue
		case angle:
			angle = c != '>'
			continue
		case c == ' ' || c == '\t':
			j := i
			for j < len(v) && (v[j] == ' ' || v[j] == '\t') {
				j++
			}
			next := byte(0)
			if j < len(v) {
				next = v[j]
			}
			if !started || c == '\t' || j-i > 1 || prev != ',' && strings.IndexByte(lwsSeparators, prev) >= 0 ||
				strings.IndexByte(lwsSeparators, next) >= 0 {
				return true
			}
			i = j - 1
			continue
		}
		prev, started = c, true
		quoted = c == '"'
		angle = c == '<'
	}
	return false
}

func structuredBytes(name []byte) bool {
	var buf [16]byte
	n := bytes.TrimSpace(name)
	if len(n) > len(buf) {
		return false
	}
	for i, c := range n {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return structured(string(buf[:len(n)]))
}

// structured headers have parameters or tokens; free text (Subject,
// User-Agent…) keeps its spacing.
func structured(name string) bool {
	switch strings.ToLower(name) {
	case "to", "t", "from", "f", "via", "v", "contact", "m", "route", "record-route", "cseq", "call-id", "i",
		"content-type", "c", "content-length", "l", "max-forwards", "expires", "session-expires", "x", "min-se",
		"supported", "k", "require", "proxy-require", "allow", "event", "o", "refer-to", "r", "replaces":
		return true
	}
	return false
}

// relaxValue drops white space beside ; = / and before a comma, and
// shortens other runs of it to one space, outside quoted strings and <URIs>, which keep theirs.
func relaxValue(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	quoted, angle, space := false, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quoted:
			b.WriteByte(c)
			if c == '\\' && i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			} else if c == '"' {
				quoted = false
			}
			continue
		case angle:
			b.WriteByte(c)
			angle = c != '>'
			continue
		case c == ' ' || c == '\t':
			space = true
			continue
		}
		if space {
			s := b.String()
			// "a, b" is how lists are written: its one space stays.
			if len(s) > 0 && (s[len(s)-1] == ',' || !strings.ContainsRune(lwsSeparators, rune(s[len(s)-1]))) &&
				!strings.ContainsRune(lwsSeparators, rune(c)) {
				b.WriteByte(' ')
			}
			space = false
		}
		b.WriteByte(c)
		quoted = c == '"'
		angle = c == '<'
	}
	return b.String()
}
