package store

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// QueueLog writes the events in [from, to) as an Asterisk queue_log, one
// line per event: epoch|callid|queue|agent|EVENT|data1|data2|data3, so
// existing queue_log tools (QueueMetrics and the like) can read Hotline.
// Missing ids are written as NONE, durations in whole seconds except
// RINGNOANSWER (milliseconds, as Asterisk does).
//
// Mapping (Hotline event kind -> queue_log event(data1|data2|data3)):
//
//	queue.joined                 ENTERQUEUE(url|callerid|position)       url is always empty
//	agent.connected              CONNECT(holdtime|bridged_id|ringtime)  bridged_id = data agent_call_id
//	agent.completed              COMPLETECALLER if side=caller, else COMPLETEAGENT (holdtime|calltime|origposition)
//	call.ended                   the same, for a call answered by an agent, unless that call
//	                             also has an agent.completed event (no line twice)
//	queue.abandoned              ABANDON(position|origposition|waittime)
//	queue.exited reason=timeout  EXITWITHTIMEOUT(position|origposition|waittime); overflow too,
//	                             since Asterisk logs a queue left for the next one that way
//	queue.exited reason=no_agents EXITEMPTY(position|origposition|waittime)
//	queue.exited reason=exit_key EXITWITHKEY(key|position|origposition|waittime)
//	agent.ring_no_answer         RINGNOANSWER(ringtime_ms)
//	agent.state                  out of logged_out: AGENTLOGIN(channel); into logged_out:
//	                             AGENTLOGOFF(channel|logintime); into not_ready: PAUSE(reason);
//	                             out of not_ready: UNPAUSE(reason). Other changes write nothing.
//
// Hold, talk and ANI values missing from an event are taken from the call
// record. An agent's state before from is taken from agent_states.
func (s *Store) QueueLog(ctx context.Context, from, to time.Time, w io.Writer) error {
	lo, hi := from.UnixMilli(), to.UnixMilli()
	if from.IsZero() { // zero bounds do not filter, as in Filter
		lo = math.MinInt64
	}
	if to.IsZero() {
		hi = math.MaxInt64
	}
	rows, err := s.db.QueryContext(ctx, `SELECT e.ts, e.kind, e.call_id, e.queue, e.agent_id, e.data,
			COALESCE(c.ani, ''), c.queued_at, c.answered_at, c.wait_ms, c.talk_ms, COALESCE(c.hangup_side, ''),
			e.kind = 'call.ended' AND EXISTS (SELECT 1 FROM events x
				WHERE x.call_id = e.call_id AND x.kind = 'agent.completed')
		FROM events e LEFT JOIN calls c ON e.call_id <> '' AND c.id = e.call_id
		WHERE e.ts >= ? AND e.ts < ? AND e.kind IN ('queue.joined', 'agent.connected', 'agent.completed',
			'call.ended', 'queue.abandoned', 'queue.exited', 'agent.ring_no_answer', 'agent.state')
		ORDER BY e.ts, e.id`, lo, hi)
	if err != nil {
		return fmt.Errorf("store: queue_log: %w", err)
	}
	defer rows.Close()
	q := &qlog{s: s, ctx: ctx, from: from.UnixMilli(), bw: bufio.NewWriter(w), agents: map[string]*qlAgent{}}
	for rows.Next() {
		var r qlRow
		var data sql.NullString
		if err := rows.Scan(&r.ts, &r.kind, &r.callID, &r.queue, &r.agent, &data,
			&r.ani, &r.queuedAt, &r.answeredAt, &r.waitMS, &r.talkMS, &r.side, &r.completed); err != nil {
			return err
		}
		if r.data, err = decodeData(data); err != nil {
			return err
		}
		if err := q.event(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return q.bw.Flush()
}

type qlRow struct {
	ts                  int64
	kind, callID, queue string
	agent, ani          string
	data                map[string]string
	queuedAt            sql.NullInt64
	answeredAt          sql.NullInt64
	waitMS, talkMS      sql.NullInt64
	side                string // the call record's hangup side, for events that lack one
	completed           bool
}

type qlAgent struct {
	state   string
	loginAt int64 // ms; 0 when unknown
}

type qlog struct {
	s      *Store
	ctx    context.Context
	from   int64
	bw     *bufio.Writer
	agents map[string]*qlAgent
}

func (q *qlog) line(r qlRow, callID, event string, data ...string) {
	if len(data) < 3 {
		data = append(data, make([]string, 3-len(data))...)
	}
	f := []string{strconv.FormatInt(r.ts/1000, 10), orNone(callID), orNone(r.queue), orNone(r.agent), event}
	for _, d := range data {
		f = append(f, clean(d))
	}
	q.bw.WriteString(strings.Join(f, "|"))
	q.bw.WriteByte('\n')
}

func (q *qlog) event(r qlRow) error {
	d := r.data
	switch r.kind {
	case "queue.joined":
		ani := d["ani"]
		if ani == "" {
			ani = r.ani
		}
		q.line(r, r.callID, "ENTERQUEUE", "", ani, d["position"])
	case "agent.connected":
		hold := secs(d["wait_ms"])
		if hold == "" && r.queuedAt.Valid {
			hold = strconv.FormatInt(max(0, r.ts-r.queuedAt.Int64)/1000, 10)
		}
		q.line(r, r.callID, "CONNECT", hold, d["agent_call_id"], secs(d["ring_ms"]))
	case "agent.completed", "call.ended":
		// The call layer carries the disposition in reason on call.ended.
		answered := d["disposition"] == "answered" || d["reason"] == "answered" || r.answeredAt.Valid
		if r.kind == "call.ended" && (r.completed || r.agent == "" || !answered) {
			return nil
		}
		hold, talk := secs(d["wait_ms"]), secs(d["talk_ms"])
		if hold == "" && r.waitMS.Valid && r.answeredAt.Valid {
			hold = strconv.FormatInt(r.waitMS.Int64/1000, 10)
		}
		if talk == "" && r.answeredAt.Valid {
			talk = strconv.FormatInt(max(0, r.ts-r.answeredAt.Int64)/1000, 10)
		}
		ev := "COMPLETEAGENT"
		if side := d["side"]; side == "caller" || (side == "" && r.side == "caller") {
			ev = "COMPLETECALLER"
		}
		q.line(r, r.callID, ev, hold, talk, d["orig_position"])
	case "queue.abandoned":
		q.line(r, r.callID, "ABANDON", d["position"], d["orig_position"], q.wait(r))
	case "queue.exited":
		switch d["reason"] {
		case "timeout", "overflow":
			q.line(r, r.callID, "EXITWITHTIMEOUT", d["position"], d["orig_position"], q.wait(r))
		case "no_agents":
			q.line(r, r.callID, "EXITEMPTY", d["position"], d["orig_position"], q.wait(r))
		case "exit_key":
			q.line(r, r.callID, "EXITWITHKEY", d["key"], d["position"], d["orig_position"], q.wait(r))
		}
	case "agent.ring_no_answer":
		q.line(r, r.callID, "RINGNOANSWER", d["ring_ms"])
	case "agent.state":
		return q.agentState(r)
	}
	return nil
}

// agentState turns a state change into login/logoff/pause lines; it needs
// the previous state, from the event, this export, or agent_states.
func (q *qlog) agentState(r qlRow) error {
	if r.agent == "" || r.data["state"] == "" {
		return nil
	}
	a, err := q.agent(r.agent)
	if err != nil {
		return err
	}
	prev, next := a.state, r.data["state"]
	if fs := r.data["from_state"]; fs != "" {
		prev = fs
	} else if fs := r.data["from"]; fs != "" { // the call layer's key
		prev = fs
	}
	a.state = next
	if prev == next {
		return nil
	}
	r.callID = ""
	switch {
	case next == "logged_out":
		login := ""
		if a.loginAt > 0 {
			login = strconv.FormatInt(max(0, r.ts-a.loginAt)/1000, 10)
		}
		q.line(r, "", "AGENTLOGOFF", r.data["channel"], login)
		a.loginAt = 0
		return nil
	case prev == "logged_out":
		a.loginAt = r.ts
		q.line(r, "", "AGENTLOGIN", r.data["channel"])
	}
	switch {
	case next == "not_ready":
		q.line(r, "", "PAUSE", r.data["reason"])
	case prev == "not_ready":
		q.line(r, "", "UNPAUSE", r.data["reason"])
	}
	return nil
}

// agent looks up an agent's state at the start of the export once.
func (q *qlog) agent(id string) (*qlAgent, error) {
	if a, ok := q.agents[id]; ok {
		return a, nil
	}
	a := &qlAgent{state: "logged_out"}
	var state string
	err := q.s.db.QueryRowContext(q.ctx, `SELECT state FROM agent_states
		WHERE agent_id = ? AND from_ts < ? ORDER BY from_ts DESC, id DESC LIMIT 1`, id, q.from).Scan(&state)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return nil, err
	default:
		a.state = state
	}
	if a.state != "logged_out" {
		var login sql.NullInt64
		if err := q.s.db.QueryRowContext(q.ctx, `SELECT COALESCE(
				(SELECT MAX(to_ts) FROM agent_states WHERE agent_id = ?1 AND state = 'logged_out' AND to_ts <= ?2),
				(SELECT MIN(from_ts) FROM agent_states WHERE agent_id = ?1))`, id, q.from).Scan(&login); err != nil {
			return nil, err
		}
		a.loginAt = login.Int64
	}
	q.agents[id] = a
	return a, nil
}

// wait is the queue wait in seconds, from the event or the call record.
func (q *qlog) wait(r qlRow) string {
	if w := secs(r.data["wait_ms"]); w != "" {
		return w
	}
	if r.queuedAt.Valid {
		return strconv.FormatInt(max(0, r.ts-r.queuedAt.Int64)/1000, 10)
	}
	return ""
}

// secs turns a millisecond string into whole seconds; "" stays "".
func secs(msStr string) string {
	v, err := strconv.ParseInt(msStr, 10, 64)
	if err != nil {
		return ""
	}
	return strconv.FormatInt(v/1000, 10)
}

func orNone(s string) string {
	if s == "" {
		return "NONE"
	}
	return clean(s)
}

// clean keeps a value from breaking the line format.
func clean(s string) string {
	return strings.NewReplacer("|", "_", "\n", " ", "\r", " ").Replace(s)
}
