package ivr

import (
	"strconv"
	"strings"
	"time"
)

// sayPrompts spells the node's Value with the built-in number prompts of the
// flow's language. Values that do not parse are spoken digit by digit.
func (s *Session) sayPrompts(n *Node) []string {
	v := strings.TrimSpace(s.expand(n.Value))
	zh := s.lang() == "zh"
	switch n.Say {
	case "number":
		return sayNumber(v, zh)
	case "currency":
		return sayCurrency(v, zh)
	case "date":
		return sayDate(v, zh)
	case "time":
		return sayTime(v, zh)
	}
	return sayDigits(v)
}

// sayDate speaks YYYY-MM-DD as callers expect it: "July 15 2026" in
// English, 二〇二六年七月十五日 in Mandarin (the year digit by digit).
func sayDate(v string, zh bool) []string {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return sayDigits(v)
	}
	month := "month_" + strconv.Itoa(int(t.Month()))
	if zh {
		out := append(sayDigits(strconv.Itoa(t.Year())), "w_nian", month)
		return append(append(out, zhInt(int64(t.Day()))...), "w_ri")
	}
	out := append([]string{month}, sayNumber(strconv.Itoa(t.Day()), false)...)
	return append(out, sayNumber(strconv.Itoa(t.Year()), false)...)
}

// sayTime speaks a 24-hour HH:MM: "3 oh 5 pm" / "9 o'clock am" in English,
// 下午 omitted and 两点十五分 style in Mandarin.
func sayTime(v string, zh bool) []string {
	t, err := time.Parse("15:04", v)
	if err != nil {
		return sayDigits(v)
	}
	h, m := t.Hour(), t.Minute()
	if zh {
		out := zhInt(int64(h))
		if h == 2 {
			out = []string{"w_liang"} // 两点, not 二点
		}
		out = append(out, "w_dian")
		if m > 0 {
			out = append(append(out, zhInt(int64(m))...), "w_fen")
		}
		return out
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	out := sayNumber(strconv.Itoa(h12), false)
	switch {
	case m == 0:
		out = append(out, "w_oclock")
	case m < 10:
		out = append(out, "w_oh", "d_"+strconv.Itoa(m))
	default:
		out = append(out, sayNumber(strconv.Itoa(m), false)...)
	}
	if h < 12 {
		return append(out, "w_am")
	}
	return append(out, "w_pm")
}

func sayDigits(v string) []string {
	var out []string
	for _, r := range v {
		if r >= '0' && r <= '9' {
			out = append(out, "d_"+string(r))
		}
	}
	return out
}

// sayNumber speaks an integer or decimal number such as 1234 or 3.5.
func sayNumber(v string, zh bool) []string {
	whole, frac, hasFrac := strings.Cut(v, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || n < 0 {
		return sayDigits(v)
	}
	var out []string
	if zh {
		out = zhInt(n)
	} else {
		out = enInt(n)
	}
	if hasFrac && frac != "" {
		if zh {
			out = append(out, "d_0") // 点 has no prompt; the zh set reads "零" as the separator
		} else {
			out = append(out, "w_point")
		}
		out = append(out, sayDigits(frac)...)
	}
	return out
}

// sayCurrency speaks 12.34 as dollars and cents (en) or 元, 角 and 分 (zh).
func sayCurrency(v string, zh bool) []string {
	whole, frac, _ := strings.Cut(v, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || n < 0 {
		return sayDigits(v)
	}
	frac = (frac + "00")[:2]
	cents, err := strconv.Atoi(frac)
	if err != nil {
		return sayDigits(v)
	}
	if zh {
		out := append(zhInt(n), "cur_yuan")
		if j := cents / 10; j > 0 {
			out = append(out, "d_"+strconv.Itoa(j), "cur_jiao")
		}
		if f := cents % 10; f > 0 {
			out = append(out, "d_"+strconv.Itoa(f), "cur_fen")
		}
		return out
	}
	out := append(enInt(n), "cur_dollars")
	if cents > 0 {
		out = append(append(out, enInt(int64(cents))...), "cur_cents")
	}
	return out
}

func enInt(n int64) []string {
	if n == 0 {
		return []string{"d_0"}
	}
	var out []string
	for _, u := range []struct {
		size int64
		word string
	}{{1_000_000, "w_million"}, {1000, "w_thousand"}} {
		if n >= u.size {
			out = append(append(out, enInt(n/u.size)...), u.word)
			n %= u.size
		}
	}
	if n >= 100 {
		out = append(out, "d_"+strconv.FormatInt(n/100, 10), "w_hundred")
		n %= 100
	}
	switch {
	case n >= 20:
		out = append(out, "n_"+strconv.FormatInt(n/10*10, 10))
		if n%10 > 0 {
			out = append(out, "d_"+strconv.FormatInt(n%10, 10))
		}
	case n >= 10:
		out = append(out, "n_"+strconv.FormatInt(n, 10))
	case n > 0:
		out = append(out, "d_"+strconv.FormatInt(n, 10))
	}
	return out
}

// zhInt speaks n in groups of four digits (万, 亿), with 零 for gaps.
func zhInt(n int64) []string {
	if n < 20 && n >= 10 {
		return []string{"n_" + strconv.FormatInt(n, 10)}
	}
	if n < 10 {
		return []string{"d_" + strconv.FormatInt(n, 10)}
	}
	var out []string
	zero := false
	for _, u := range []struct {
		size int64
		word string
	}{{100_000_000, "w_yi"}, {10_000, "w_wan"}} {
		if n >= u.size {
			out = append(append(out, zhInt(n/u.size)...), u.word)
			n %= u.size
			zero = n > 0 && n < u.size/10
		}
	}
	for _, u := range []struct {
		size int64
		word string
	}{{1000, "w_qian"}, {100, "w_bai"}, {10, "w_shi"}, {1, ""}} {
		d := n / u.size
		n %= u.size
		if d == 0 {
			zero = zero || len(out) > 0
			continue
		}
		if zero {
			out = append(out, "d_0")
			zero = false
		}
		out = append(out, "d_"+strconv.FormatInt(d, 10))
		if u.word != "" {
			out = append(out, u.word)
		}
		if n == 0 {
			break
		}
	}
	return out
}

// SayNumber is the prompt sequence speaking n in lang (en or zh), for
// callers outside a flow such as queue position announcements.
func SayNumber(n int64, lang string) []PromptRef {
	var out []PromptRef
	for _, p := range sayNumber(strconv.FormatInt(n, 10), lang == "zh") {
		out = append(out, PromptRef{Lang: lang, Ref: p})
	}
	return out
}
