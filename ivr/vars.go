package ivr

import (
	"cmp"
	"fmt"
	"slices"
)

// expand fills ${name} templates from the session's variables and call.
func (s *Session) expand(t string) string { return expand(t, s.lookup) }

// lookup reads a variable; ani, dnis, call_id and trunk fall back to the
// call when no variable of that name is set.
func (s *Session) lookup(name string) string {
	if v, ok := s.vars[name]; ok {
		return v
	}
	switch name {
	case "ani":
		return s.call.ANI
	case "dnis":
		return s.call.DNIS
	case "call_id":
		return s.call.CallID
	case "trunk":
		return s.call.Trunk
	}
	return ""
}

// pickCase returns the next node of the first matching case, else Default.
func (s *Session) pickCase(n *Node) (string, error) {
	for _, c := range n.Cases {
		e, err := parseExpr(c.If)
		if err != nil {
			return "", err
		}
		if e.eval(s.lookup) {
			return c.Next, nil
		}
	}
	if n.Default == "" {
		return "", fmt.Errorf("no case matched and no default")
	}
	return n.Default, nil
}

func sortedKeys[M ~map[K]V, K cmp.Ordered, V any](m M) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
