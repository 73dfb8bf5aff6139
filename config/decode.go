package config

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Limits that keep a hostile or broken file (alias bombs, huge documents)
// from tying up the loader; real Hotline configs are far below them.
const (
	maxVisits   = 200_000
	maxProblems = 500
)

// decoder walks a yaml.Node tree into Go values by reflection, recording a
// Problem for everything wrong instead of stopping at the first.
type decoder struct {
	file    string
	probs   Errors
	visits  int
	full    bool                // maxProblems reached
	active  map[*yaml.Node]bool // anchors being expanded, to catch cycles
	stopped bool                // visit budget exhausted
	present map[keyPath]bool    // struct keys seen, for defaults where zero is meaningful
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, active: map[*yaml.Node]bool{}, present: map[keyPath]bool{}}
}

func (d *decoder) add(n *yaml.Node, p keyPath, kind error, format string, args ...any) {
	if d.full {
		return
	}
	pr := Problem{File: d.file, Path: string(p), Message: fmt.Sprintf(format, args...), Err: kind}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	if len(d.probs) >= maxProblems {
		d.full = true
		pr.Message, pr.Err = "too many problems; stopping here", ErrInvalid
	}
	d.probs = append(d.probs, pr)
}

var textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()

func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNull(n):
		return "nothing"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	return strconv.Quote(v)
}

// decode fills v (addressable) from n. Pointers are always allocated so that
// validators never meet a nil *ivr.Flow or *ivr.Node.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, p keyPath) {
	if d.stopped {
		return
	}
	if d.visits++; d.visits > maxVisits {
		d.stopped = true
		d.add(n, p, ErrInvalid, "document too large (too many nodes or alias expansions)")
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil || d.active[n.Alias] {
			d.add(n, p, ErrInvalid, "alias *%s refers to itself", n.Value)
			return
		}
		d.active[n.Alias] = true
		d.decode(n.Alias, v, p)
		delete(d.active, n.Alias)
		return
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), p)
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(textUnmarshalerType) {
		if isNull(n) {
			return
		}
		if n.Kind != yaml.ScalarNode {
			d.add(n, p, ErrType, "expected a single value, got %s", describe(n))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.add(n, p, ErrInvalid, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, p)
	case reflect.Map:
		d.decodeMap(n, v, p)
	case reflect.Slice:
		d.decodeSlice(n, v, p)
	default:
		d.decodeScalar(n, v, p)
	}
}

type entry struct {
	key, val *yaml.Node
	merged   bool // came in through a << merge key
}

// entries lists a mapping's key/value pairs, expanding << merge keys after
// the explicit keys so that explicit keys win.
func (d *decoder) entries(n *yaml.Node, p keyPath, depth int) []entry {
	var own, merged []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.mergeEntries(val, p, depth)...)
			continue
		}
		own = append(own, entry{key: k, val: val})
	}
	return append(own, merged...)
}

func (d *decoder) mergeEntries(val *yaml.Node, p keyPath, depth int) []entry {
	if d.visits += len(val.Content) + 1; d.visits > maxVisits {
		if !d.stopped {
			d.stopped = true
			d.add(val, p, ErrInvalid, "document too large (too many nodes or alias expansions)")
		}
		return nil
	}
	if depth > 20 {
		d.add(val, p, ErrInvalid, "merge keys nested too deeply")
		return nil
	}
	src := val
	if src.Kind == yaml.AliasNode && src.Alias != nil {
		src = src.Alias
	}
	var out []entry
	switch src.Kind {
	case yaml.MappingNode:
		for _, e := range d.entries(src, p, depth+1) {
			e.merged = true
			out = append(out, e)
		}
	case yaml.SequenceNode:
		for _, item := range src.Content {
			if item.Kind == yaml.AliasNode && item.Alias != nil {
				item = item.Alias
			}
			if item.Kind != yaml.MappingNode {
				d.add(item, p, ErrType, "a << merge list must hold mappings, got %s", describe(item))
				continue
			}
			out = append(out, d.mergeEntries(item, p, depth+1)...)
		}
	default:
		d.add(val, p, ErrType, "a << merge value must be a mapping, got %s", describe(val))
	}
	return out
}

// keyed walks a mapping's entries once, reporting non-scalar and duplicate
// keys, and calls fn for each usable one.
func (d *decoder) keyed(n *yaml.Node, p keyPath, fn func(k string, e entry)) {
	seen := map[string]*yaml.Node{}
	for _, e := range d.entries(n, p, 0) {
		k := e.key
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			d.add(e.key, p, ErrType, "keys must be plain values, got %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			if !e.merged {
				d.add(e.key, p.key(k.Value), ErrDuplicateKey, "duplicate key %q (first on line %d)", k.Value, first.Line)
			}
			continue
		}
		seen[k.Value] = e.key
		fn(k.Value, e)
	}
}

type structInfo struct {
	names  []string       // yaml keys in field order, for hints
	fields map[string]int // yaml key -> field index
}

var structCache sync.Map // reflect.Type -> *structInfo

func infoOf(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{fields: map[string]int{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		si.names = append(si.names, name)
		si.fields[name] = i
	}
	structCache.Store(t, si)
	return si
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, p keyPath) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.add(n, p, ErrType, "expected a mapping, got %s", describe(n))
		return
	}
	si := infoOf(v.Type())
	d.keyed(n, p, func(k string, e entry) {
		i, ok := si.fields[k]
		if !ok {
			msg := fmt.Sprintf("unknown key %q", k)
			if s := suggest(k, si.names); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			d.add(e.key, p.key(k), ErrUnknownKey, "%s", msg)
			return
		}
		d.present[p.key(k)] = true
		d.decode(e.val, v.Field(i), p.key(k))
	})
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, p keyPath) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.add(n, p, ErrType, "expected a mapping, got %s", describe(n))
		return
	}
	t := v.Type()
	if t.Key().Kind() != reflect.String {
		d.add(n, p, ErrType, "internal: map key type %s not supported", t.Key())
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(t))
	}
	d.keyed(n, p, func(k string, e entry) {
		elem := reflect.New(t.Elem()).Elem()
		d.decode(e.val, elem, p.key(k))
		v.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), elem)
	})
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, p keyPath) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.add(n, p, ErrType, "expected a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, s.Index(i), p.index(i))
	}
	v.Set(s)
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, p keyPath) {
	want := map[reflect.Kind]string{reflect.String: "a string", reflect.Bool: "true or false"}[v.Kind()]
	if want == "" {
		want = "a number"
		if v.CanInt() || v.CanUint() {
			want = "an integer"
		}
	}
	if n.Kind != yaml.ScalarNode {
		d.add(n, p, ErrType, "expected %s, got %s", want, describe(n))
		return
	}
	if isNull(n) {
		return
	}
	tag := n.ShortTag()
	bad := func() { d.add(n, p, ErrType, "expected %s, got %s", want, describe(n)) }
	switch {
	case v.Kind() == reflect.String:
		v.SetString(n.Value)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if tag != "!!bool" || err != nil {
			bad()
			return
		}
		v.SetBool(b)
	case v.CanInt():
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if tag != "!!int" || err != nil {
			bad()
			return
		}
		if v.OverflowInt(i) {
			d.add(n, p, ErrInvalid, "%s is out of range", n.Value)
			return
		}
		v.SetInt(i)
	case v.CanUint():
		u, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if tag != "!!int" || err != nil {
			bad()
			return
		}
		if v.OverflowUint(u) {
			d.add(n, p, ErrInvalid, "%s is out of range", n.Value)
			return
		}
		v.SetUint(u)
	case v.CanFloat():
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if (tag != "!!float" && tag != "!!int") || err != nil || math.IsNaN(f) {
			bad()
			return
		}
		v.SetFloat(f)
	default:
		d.add(n, p, ErrType, "internal: cannot decode into %s", v.Type())
	}
}

// locate finds the node a key path (as segments) names, for semantic
// problems: the key node for a mapping entry, the item for a list element.
// When the path runs out (a defaulted or missing key) it returns the
// deepest node found. It also renders the path in problem form.
func locate(root *yaml.Node, segs ...string) (*yaml.Node, keyPath) {
	var p keyPath
	at, cur := root, root
	for si, s := range segs {
		for hops := 0; cur != nil && cur.Kind == yaml.AliasNode && hops < 8; hops++ {
			cur = cur.Alias
		}
		var next, mark *yaml.Node
		switch {
		case cur == nil:
		case cur.Kind == yaml.MappingNode:
			for i := 0; i+1 < len(cur.Content); i += 2 {
				if k := cur.Content[i]; k.Kind == yaml.ScalarNode && k.Value == s {
					next, mark = cur.Content[i+1], k
					break
				}
			}
		case cur.Kind == yaml.SequenceNode:
			if i, err := strconv.Atoi(s); err == nil && i >= 0 && i < len(cur.Content) {
				next, mark = cur.Content[i], cur.Content[i]
			}
		}
		if i, err := strconv.Atoi(s); err == nil && cur != nil && cur.Kind == yaml.SequenceNode {
			p = p.index(i)
		} else {
			p = p.key(s)
		}
		if next == nil {
			for _, rest := range segs[si+1:] {
				p = p.key(rest)
			}
			return at, p
		}
		at, cur = mark, next
	}
	return at, p
}
