package ivr

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
)

// startHTTP sends the call (id, ANI, DNIS, trunk) and its variables as a
// JSON object to the node's URL, so the CRM can look the caller up.
func (s *Session) startHTTP(now time.Time, n *Node) {
	payload := map[string]string{"call_id": s.call.CallID, "ani": s.call.ANI, "dnis": s.call.DNIS, "trunk": s.call.Trunk}
	for k, v := range s.vars {
		payload[k] = v
	}
	body, err := json.Marshal(payload)
	if err != nil {
		s.goTo(now, n.OnError)
		return
	}
	method := strings.ToUpper(n.Method)
	if method == "" {
		method = "POST"
	}
	timeout := n.Timeout.D()
	if timeout <= 0 {
		timeout = defaultHTTPTimeout
	}
	s.wait = waitHTTP
	// The owner enforces Timeout; the slack deadline only guards against a
	// result that never comes back.
	s.arm(now.Add(timeout + httpDeadlineSlack))
	s.emit(HTTPRequest{Method: method, URL: s.expand(n.URL), Body: body, Timeout: timeout})
}

// onHTTP stores a 2xx JSON object's fields as http.<key> and goes on;
// anything else leaves through on_error.
func (s *Session) onHTTP(now time.Time, r HTTPResult) {
	n := s.cur()
	var obj map[string]any
	if r.Err != nil || r.Status < 200 || r.Status > 299 || json.Unmarshal(r.Body, &obj) != nil || obj == nil {
		s.goTo(now, n.OnError)
		return
	}
	for k, v := range obj {
		s.vars["http."+k] = jsonString(v)
	}
	s.goTo(now, n.Next)
}

// jsonString is the variable form of a JSON value: strings bare, numbers
// as written, objects and arrays as JSON, null as "".
func jsonString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// parseDays turns "mon-fri", "sat", "fri-mon" or "mon,wed,fri" into a set.
func parseDays(spec string) (map[time.Weekday]bool, error) {
	out := map[time.Weekday]bool{}
	for part := range strings.SplitSeq(strings.ToLower(spec), ",") {
		part = strings.TrimSpace(part)
		from, to, isRange := strings.Cut(part, "-")
		a, ok1 := weekdays[strings.TrimSpace(from)]
		b, ok2 := a, true
		if isRange {
			b, ok2 = weekdays[strings.TrimSpace(to)]
		}
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("bad days %q (want e.g. mon-fri, sat)", spec)
		}
		for d := a; ; d = (d + 1) % 7 {
			out[d] = true
			if d == b {
				break
			}
		}
	}
	return out, nil
}

// parseClock reads HH:MM as minutes after midnight; 24:00 is allowed as an end.
func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || hh == 24 && mm != 0 {
		return 0, fmt.Errorf("bad time %q (want HH:MM)", s)
	}
	return hh*60 + mm, nil
}

// isOpen evaluates a schedule node at now, in the node's time zone (local
// wall-clock time, so windows follow DST changes). A holiday is closed all
// day; no hours at all means open whenever it is not a holiday. A window
// whose end is before its start runs past midnight.
func isOpen(n *Node, now time.Time) (bool, error) {
	loc := time.UTC
	if n.TimeZone != "" {
		l, err := time.LoadLocation(n.TimeZone)
		if err != nil {
			return false, err
		}
		loc = l
	}
	t := now.In(loc)
	date := t.Format(time.DateOnly)
	for _, h := range n.Holidays {
		if strings.TrimSpace(h) == date {
			return false, nil
		}
	}
	if len(n.Hours) == 0 {
		return true, nil
	}
	mins := t.Hour()*60 + t.Minute()
	for _, h := range n.Hours {
		days, err := parseDays(h.Days)
		if err != nil {
			return false, err
		}
		start, err := parseClock(h.Start)
		if err != nil {
			return false, err
		}
		end, err := parseClock(h.End)
		if err != nil {
			return false, err
		}
		switch {
		case start <= end:
			if days[t.Weekday()] && mins >= start && mins < end {
				return true, nil
			}
		case days[t.Weekday()] && mins >= start, days[(t.Weekday()+6)%7] && mins < end:
			return true, nil
		}
	}
	return false, nil
}

// mergeSkills is the node's skills raised by "skill:level,…" from a
// variable (a CRM's answer). Entries that do not read as a skill and a
// level of 1-10 are ignored: a lookup's odd answer must not strand the call.
func mergeSkills(base map[string]int, extra string) map[string]int {
	out := maps.Clone(base)
	for _, part := range strings.Split(extra, ",") {
		name, lvl, ok := strings.Cut(strings.TrimSpace(part), ":")
		n, err := strconv.Atoi(strings.TrimSpace(lvl))
		name = strings.TrimSpace(name)
		if !ok || err != nil || name == "" || n < 1 || n > 10 {
			continue
		}
		if out == nil {
			out = map[string]int{}
		}
		out[name] = max(out[name], n)
	}
	return out
}
