package ivr

import (
	"fmt"
	"strconv"
	"strings"
)

// The switch-node expression grammar, kept deliberately small:
//
//	expr    = and { "||" and }
//	and     = unary { "&&" unary }
//	unary   = "!" unary | "(" expr ")" | call | cmp
//	call    = ("startsWith" | "endsWith" | "contains") "(" operand "," operand ")"
//	cmp     = operand [ ("==" | "!=" | "<" | ">" | "<=" | ">=") operand ]
//	operand = name | "string" | number
//
// Names are variables (letters, digits, _ and .), e.g. ani, http.vip. A lone
// operand is true when non-empty. <, >, <=, >= compare numbers and are false
// when either side is not a number.

// expr is a parsed expression.
type expr interface {
	eval(lookup func(string) string) bool
}

type (
	orExpr  struct{ l, r expr }
	andExpr struct{ l, r expr }
	notExpr struct{ e expr }
	cmpExpr struct {
		op   string // "" for a lone operand
		l, r operand
	}
	callExpr struct {
		fn   string
		a, b operand
	}
	operand struct {
		name string // variable name, or "" for a literal
		lit  string
	}
)

func (o operand) value(lookup func(string) string) string {
	if o.name != "" {
		return lookup(o.name)
	}
	return o.lit
}

func (e orExpr) eval(l func(string) string) bool  { return e.l.eval(l) || e.r.eval(l) }
func (e andExpr) eval(l func(string) string) bool { return e.l.eval(l) && e.r.eval(l) }
func (e notExpr) eval(l func(string) string) bool { return !e.e.eval(l) }

func (e callExpr) eval(l func(string) string) bool {
	a, b := e.a.value(l), e.b.value(l)
	switch e.fn {
	case "startsWith":
		return strings.HasPrefix(a, b)
	case "endsWith":
		return strings.HasSuffix(a, b)
	default:
		return strings.Contains(a, b)
	}
}

func (e cmpExpr) eval(l func(string) string) bool {
	a := e.l.value(l)
	if e.op == "" {
		return a != ""
	}
	b := e.r.value(l)
	switch e.op {
	case "==":
		return a == b
	case "!=":
		return a != b
	}
	x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil {
		return false
	}
	switch e.op {
	case "<":
		return x < y
	case ">":
		return x > y
	case "<=":
		return x <= y
	default:
		return x >= y
	}
}

type token struct {
	kind string // name, str, num, op, end
	text string
	pos  int
}

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '"':
			j := i + 1
			var b strings.Builder
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("%w: unterminated string at %d", ErrBadExpr, i)
			}
			out = append(out, token{"str", b.String(), i})
			i = j + 1
		case isDigit(c) || (c == '-' && i+1 < len(s) && isDigit(s[i+1])):
			j := i + 1
			for j < len(s) && (isDigit(s[j]) || s[j] == '.') {
				j++
			}
			out = append(out, token{"num", s[i:j], i})
			i = j
		case isNameStart(c):
			j := i + 1
			for j < len(s) && (isNameStart(s[j]) || isDigit(s[j]) || s[j] == '.') {
				j++
			}
			out = append(out, token{"name", s[i:j], i})
			i = j
		default:
			op := ""
			for _, o := range []string{"==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", ","} {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, fmt.Errorf("%w: unexpected %q at %d", ErrBadExpr, c, i)
			}
			out = append(out, token{"op", op, i})
			i += len(op)
		}
	}
	return append(out, token{"end", "", len(s)}), nil
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isNameStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

type parser struct {
	toks  []token
	i     int
	depth int
}

// parseExpr parses a switch-case expression.
func parseExpr(s string) (expr, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "end" {
		return nil, fmt.Errorf("%w: unexpected %q at %d", ErrBadExpr, t.text, t.pos)
	}
	return e, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }
func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == "op" && t.text == op
}

func (p *parser) expect(op string) error {
	if !p.isOp(op) {
		t := p.peek()
		return fmt.Errorf("%w: want %q at %d, got %q", ErrBadExpr, op, t.pos, t.text)
	}
	p.i++
	return nil
}

func (p *parser) or() (expr, error) {
	l, err := p.and()
	for err == nil && p.isOp("||") {
		p.i++
		var r expr
		if r, err = p.and(); err == nil {
			l = orExpr{l, r}
		}
	}
	return l, err
}

func (p *parser) and() (expr, error) {
	l, err := p.unary()
	for err == nil && p.isOp("&&") {
		p.i++
		var r expr
		if r, err = p.unary(); err == nil {
			l = andExpr{l, r}
		}
	}
	return l, err
}

func (p *parser) unary() (expr, error) {
	// Deep nesting only comes from hostile or broken input.
	if p.depth++; p.depth > 100 {
		return nil, fmt.Errorf("%w: nested too deeply", ErrBadExpr)
	}
	defer func() { p.depth-- }()
	switch t := p.peek(); {
	case t.kind == "op" && t.text == "!":
		p.i++
		e, err := p.unary()
		return notExpr{e}, err
	case t.kind == "op" && t.text == "(":
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		return e, p.expect(")")
	case t.kind == "name" && (t.text == "startsWith" || t.text == "endsWith" || t.text == "contains") &&
		p.toks[p.i+1].kind == "op" && p.toks[p.i+1].text == "(":
		p.i += 2
		a, err := p.operand()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		b, err := p.operand()
		if err != nil {
			return nil, err
		}
		return callExpr{t.text, a, b}, p.expect(")")
	}
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == "op" {
		switch t.text {
		case "==", "!=", "<", ">", "<=", ">=":
			p.i++
			r, err := p.operand()
			return cmpExpr{t.text, l, r}, err
		}
	}
	return cmpExpr{l: l}, nil
}

func (p *parser) operand() (operand, error) {
	t := p.next()
	switch t.kind {
	case "name":
		return operand{name: t.text}, nil
	case "str", "num":
		return operand{lit: t.text}, nil
	}
	p.i--
	if t.kind == "end" {
		return operand{}, fmt.Errorf("%w: unexpected end", ErrBadExpr)
	}
	return operand{}, fmt.Errorf("%w: want a name, string or number at %d, got %q", ErrBadExpr, t.pos, t.text)
}
