package ivr

import "strings"

// expand replaces ${name} with lookup(name); an unknown name expands to "".
// A "${" without a closing brace is kept literally.
func expand(s string, lookup func(string) string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteString(lookup(strings.TrimSpace(s[i+2 : i+j])))
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// templateVars lists the variable names a template refers to.
func templateVars(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, strings.TrimSpace(s[i+2:i+j]))
		s = s[i+j+1:]
	}
}
