package report

import (
	"sort"
	"time"

	"github.com/hotline/hotline/store"
)

// SurveyRow is one question's answers for one queue, agent or team in one
// interval. Answers count in the interval where their call was answered,
// so the response rate compares like with like.
type SurveyRow struct {
	Start, End   time.Time
	Scope        string // queue, agent or team
	Name         string
	Question     string  // the survey node
	Answered     int     // calls answered in the scope and interval
	Responses    int     // answers to this question
	ResponseRate float64 // responses / answered
	Average      float64 // mean of the digit answers
	TopBox       int     // answers >= the top-box digit
	CSAT         float64 // top box / responses
}

// SurveyReport computes CSAT from the stored survey.answered events; a
// digit of topBox or more (default 4, on a 1–5 scale) is a satisfied
// answer. teams maps agent id to team for the team rows.
func SurveyReport(events []store.Event, calls []store.Call, teams map[string]string, topBox int, o Options) []SurveyRow {
	o = o.norm()
	if topBox <= 0 {
		topBox = 4
	}
	type acc struct {
		row   *SurveyRow
		sum   int
		score int // answers that were digits
	}
	rows := map[rowKey]*acc{}
	get := func(t time.Time, scope, name, q string) *acc {
		s, e := o.bucket(t)
		k := rowKeyOf(s, scope+"\x00"+name+"\x00"+q)
		a := rows[k]
		if a == nil {
			a = &acc{row: &SurveyRow{Start: s, End: e, Scope: scope, Name: name, Question: q}}
			rows[k] = a
		}
		return a
	}
	scopes := func(queue, agent string) [][2]string {
		var out [][2]string
		if queue != "" {
			out = append(out, [2]string{"queue", queue})
		}
		if agent != "" {
			out = append(out, [2]string{"agent", agent})
			if t := teams[agent]; t != "" {
				out = append(out, [2]string{"team", t})
			}
		}
		return out
	}
	byID := map[string]store.Call{}
	answered := map[rowKey]int{} // (interval, scope\x00name) -> calls answered
	for _, c := range calls {
		byID[c.ID] = c
		if !o.in(c.AnsweredAt) {
			continue
		}
		s, _ := o.bucket(c.AnsweredAt)
		for _, sc := range scopes(c.Queue, c.AgentID) {
			answered[rowKeyOf(s, sc[0]+"\x00"+sc[1])]++
		}
	}
	for _, ev := range events {
		if ev.Kind != "survey.answered" {
			continue
		}
		when, queue, agent := ev.TS, ev.Queue, ev.AgentID
		if c, ok := byID[ev.CallID]; ok {
			if !c.AnsweredAt.IsZero() {
				when = c.AnsweredAt
			}
			queue, agent = cmpOr(queue, c.Queue), cmpOr(agent, c.AgentID)
		}
		if !o.in(when) {
			continue
		}
		d := ev.Data["digits"]
		for _, sc := range scopes(queue, agent) {
			a := get(when, sc[0], sc[1], ev.Data["reason"])
			a.row.Responses++
			if len(d) == 1 && d[0] >= '0' && d[0] <= '9' {
				v := int(d[0] - '0')
				a.sum += v
				a.score++
				if v >= topBox {
					a.row.TopBox++
				}
			}
		}
	}
	out := make([]SurveyRow, 0, len(rows))
	for _, a := range rows {
		r := a.row
		r.Answered = answered[rowKeyOf(r.Start, r.Scope+"\x00"+r.Name)]
		r.ResponseRate = ratio(float64(r.Responses), float64(r.Answered))
		r.Average = ratio(float64(a.sum), float64(a.score))
		r.CSAT = ratio(float64(r.TopBox), float64(r.Responses))
		out = append(out, *r)
	}
	order := map[string]int{"queue": 0, "team": 1, "agent": 2}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case !a.Start.Equal(b.Start):
			return a.Start.Before(b.Start)
		case a.Scope != b.Scope:
			return order[a.Scope] < order[b.Scope]
		case a.Name != b.Name:
			return a.Name < b.Name
		}
		return a.Question < b.Question
	})
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
