package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Call is one call record (CDR). Zero times mean the call never reached
// that step; they are NULL in the database.
type Call struct {
	ID          string            `json:"id"` // the switch's call id
	SIPCallID   string            `json:"sip_call_id,omitempty"`
	ANI         string            `json:"ani,omitempty"`
	DNIS        string            `json:"dnis,omitempty"`
	Trunk       string            `json:"trunk,omitempty"`
	Flow        string            `json:"flow,omitempty"`
	IVRDigits   string            `json:"ivr_digits,omitempty"`
	Queue       string            `json:"queue,omitempty"`
	AgentID     string            `json:"agent_id,omitempty"`
	ArrivedAt   time.Time         `json:"arrived_at"`
	QueuedAt    time.Time         `json:"queued_at,omitzero"`
	OfferedAt   time.Time         `json:"offered_at,omitzero"`
	AnsweredAt  time.Time         `json:"answered_at,omitzero"`
	EndedAt     time.Time         `json:"ended_at,omitzero"`
	HangupSide  string            `json:"hangup_side,omitempty"`  // caller|agent|switch
	HangupCause string            `json:"hangup_cause,omitempty"` // normal_clearing, caller_cancel, max_wait, switch_restart, no_agents…
	Disposition string            `json:"disposition,omitempty"`  // answered|abandoned|timeout|no_agents|rejected|self_served|failed|callback
	WaitMS      int64             `json:"wait_ms"`                // queued until answered (ringing included) or ended
	TalkMS      int64             `json:"talk_ms"`                // answered until ended
	Data        map[string]string `json:"data,omitempty"`         // attached variables
	Recording   string            `json:"recording,omitempty"`    // path of the call's stereo WAV
}

// CallUpdate changes only the fields that are set (non-nil).
type CallUpdate struct {
	SIPCallID  *string
	Flow       *string
	IVRDigits  *string
	Queue      *string
	AgentID    *string
	Recording  *string
	QueuedAt   *time.Time
	OfferedAt  *time.Time
	AnsweredAt *time.Time
	Data       map[string]string // replaces all attached variables when non-nil
}

// Filter selects calls (by arrival) or events (by timestamp).
// From is inclusive, To exclusive; zero values do not filter.
type Filter struct {
	From, To time.Time
	Queue    string
	Agent    string
	CallID   string
	Kind     string // events only; "ivr.*" selects a family
	Limit    int    // <= 0: no limit
}

// Hangup sides and dispositions the schema accepts.
var (
	hangupSides  = map[string]bool{"caller": true, "agent": true, "switch": true}
	dispositions = map[string]bool{
		"answered": true, "abandoned": true, "timeout": true, "no_agents": true,
		"rejected": true, "self_served": true, "failed": true, "callback": true,
	}
)

const callColumns = `id, sip_call_id, ani, dnis, trunk, flow, ivr_digits, queue, agent_id,
	arrived_at, queued_at, offered_at, answered_at, ended_at,
	hangup_side, hangup_cause, disposition, wait_ms, talk_ms, data, recording`

// CreateCall records a call at arrival. The call counts as accepted once
// this returns nil: the row is committed and survives a crash.
func (s *Store) CreateCall(ctx context.Context, c Call) error {
	if c.ID == "" || c.ArrivedAt.IsZero() {
		return fmt.Errorf("%w: call needs id and arrived_at", ErrInvalid)
	}
	if c.HangupSide != "" && !hangupSides[c.HangupSide] {
		return fmt.Errorf("%w: hangup side %q", ErrInvalid, c.HangupSide)
	}
	if c.Disposition != "" && !dispositions[c.Disposition] {
		return fmt.Errorf("%w: disposition %q", ErrInvalid, c.Disposition)
	}
	data, err := encodeData(c.Data)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO calls (`+callColumns+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		c.ID, c.SIPCallID, c.ANI, c.DNIS, c.Trunk, c.Flow, c.IVRDigits, c.Queue, c.AgentID,
		c.ArrivedAt.UnixMilli(), ms(c.QueuedAt), ms(c.OfferedAt), ms(c.AnsweredAt), ms(c.EndedAt),
		c.HangupSide, c.HangupCause, c.Disposition, c.WaitMS, c.TalkMS, data, c.Recording)
	var se sqlite3.Error
	if errors.As(err, &se) && (se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey ||
		se.ExtendedCode == sqlite3.ErrConstraintUnique) {
		return fmt.Errorf("%w: call %s", ErrExists, c.ID)
	}
	if err != nil {
		return fmt.Errorf("store: create call %s: %w", c.ID, err)
	}
	return nil
}

// UpdateCall sets the fields of u that are non-nil. Ended calls may still
// be updated (late variables); their wait and talk times are not recomputed.
func (s *Store) UpdateCall(ctx context.Context, id string, u CallUpdate) error {
	var sets []string
	var args []any
	str := func(col string, v *string) {
		if v != nil {
			sets = append(sets, col+" = ?")
			args = append(args, *v)
		}
	}
	tm := func(col string, v *time.Time) {
		if v != nil {
			sets = append(sets, col+" = ?")
			args = append(args, ms(*v))
		}
	}
	str("sip_call_id", u.SIPCallID)
	str("flow", u.Flow)
	str("ivr_digits", u.IVRDigits)
	str("queue", u.Queue)
	str("agent_id", u.AgentID)
	str("recording", u.Recording)
	tm("queued_at", u.QueuedAt)
	tm("offered_at", u.OfferedAt)
	tm("answered_at", u.AnsweredAt)
	if u.Data != nil {
		data, err := encodeData(u.Data)
		if err != nil {
			return err
		}
		sets = append(sets, "data = ?")
		args = append(args, data)
	}
	if len(sets) == 0 {
		_, err := s.GetCall(ctx, id)
		return err
	}
	res, err := s.db.ExecContext(ctx, "UPDATE calls SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, id)...)
	if err != nil {
		return fmt.Errorf("store: update call %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: call %s", ErrNotFound, id)
	}
	return nil
}

// closeSet closes a call at ?1 (ms) and derives wait and talk from the
// stored step times, so callers need not carry them.
const closeSet = `ended_at = ?1,
	wait_ms = CASE WHEN queued_at IS NULL THEN 0 ELSE MAX(0, COALESCE(answered_at, ?1) - queued_at) END,
	talk_ms = CASE WHEN answered_at IS NULL THEN 0 ELSE MAX(0, ?1 - answered_at) END`

// EndCall closes a call. It is idempotent: on a call already ended it
// changes nothing and returns nil (the first hangup is the true one), so
// racing end paths need no coordination. ErrNotFound for an unknown id.
func (s *Store) EndCall(ctx context.Context, id string, endedAt time.Time, side, cause, disposition string) error {
	if endedAt.IsZero() || !hangupSides[side] || !dispositions[disposition] {
		return fmt.Errorf("%w: end call %s: ended_at %v, side %q, disposition %q", ErrInvalid, id, endedAt, side, disposition)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE calls SET `+closeSet+`,
		hangup_side = ?2, hangup_cause = ?3, disposition = ?4
		WHERE id = ?5 AND ended_at IS NULL`, endedAt.UnixMilli(), side, cause, disposition, id)
	if err != nil {
		return fmt.Errorf("store: end call %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err := s.GetCall(ctx, id) // ended already (nil) or unknown (ErrNotFound)
		return err
	}
	return nil
}

// Recovered is what RecoverOpenCalls closed, as now stored.
type Recovered struct {
	Calls  []Call       // ended by the switch with switch_restart
	Agents []AgentState // each agent's interval that was open, now closed
}

// RecoverOpenCalls closes every call a previous run left open, as ended by
// the switch at now (the real end is unknown; now is the first moment the
// switch is sure the call is gone). Calls that reached an agent count as
// answered, the rest as abandoned. Open agent state intervals are closed at
// now too. It updates rows in place, so it never duplicates a call, and
// returns what it closed so the switch can announce those endings.
func (s *Store) RecoverOpenCalls(ctx context.Context, now time.Time) (Recovered, error) {
	var r Recovered
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return r, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `UPDATE calls SET `+closeSet+`,
		hangup_side = 'switch', hangup_cause = 'switch_restart',
		disposition = CASE WHEN answered_at IS NOT NULL THEN 'answered' ELSE 'abandoned' END
		WHERE ended_at IS NULL RETURNING `+callColumns, now.UnixMilli())
	if err != nil {
		return r, fmt.Errorf("store: recover open calls: %w", err)
	}
	if r.Calls, err = scanCalls(rows); err != nil {
		return r, fmt.Errorf("store: recover open calls: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `UPDATE agent_states SET to_ts = MAX(from_ts, ?) WHERE to_ts IS NULL
		RETURNING `+agentStateColumns, now.UnixMilli())
	if err != nil {
		return r, fmt.Errorf("store: recover agent states: %w", err)
	}
	if r.Agents, err = scanAgentStates(rows); err != nil {
		return r, fmt.Errorf("store: recover agent states: %w", err)
	}
	return r, tx.Commit()
}

// GetCall returns one call, or ErrNotFound.
func (s *Store) GetCall(ctx context.Context, id string) (Call, error) {
	c, err := scanCall(s.db.QueryRowContext(ctx, "SELECT "+callColumns+" FROM calls WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Call{}, fmt.Errorf("%w: call %s", ErrNotFound, id)
	}
	return c, err
}

// ListCalls returns the calls that arrived in [From, To), newest first.
func (s *Store) ListCalls(ctx context.Context, f Filter) ([]Call, error) {
	where, args := f.where("arrived_at", "agent_id")
	q := "SELECT " + callColumns + " FROM calls" + where + " ORDER BY arrived_at DESC, rowid DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list calls: %w", err)
	}
	return scanCalls(rows)
}

// scanCalls reads every row of a query returning callColumns, and closes it.
func scanCalls(rows *sql.Rows) ([]Call, error) {
	defer rows.Close()
	var out []Call
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// where builds the WHERE clause shared by calls and events.
func (f Filter) where(tsCol, agentCol string) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	if !f.From.IsZero() {
		add(tsCol+" >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		add(tsCol+" < ?", f.To.UnixMilli())
	}
	if f.Queue != "" {
		add("queue = ?", f.Queue)
	}
	if f.Agent != "" {
		add(agentCol+" = ?", f.Agent)
	}
	if f.CallID != "" {
		if tsCol == "arrived_at" {
			add("id = ?", f.CallID)
		} else {
			add("call_id = ?", f.CallID)
		}
	}
	if f.Kind != "" && tsCol == "ts" {
		if family, ok := strings.CutSuffix(f.Kind, ".*"); ok {
			add("kind LIKE ?", family+".%")
		} else {
			add("kind = ?", f.Kind)
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

type scanner interface{ Scan(dest ...any) error }

func scanCall(r scanner) (Call, error) {
	var c Call
	var arrived int64
	var queued, offered, answered, ended sql.NullInt64
	var data sql.NullString
	err := r.Scan(&c.ID, &c.SIPCallID, &c.ANI, &c.DNIS, &c.Trunk, &c.Flow, &c.IVRDigits, &c.Queue, &c.AgentID,
		&arrived, &queued, &offered, &answered, &ended,
		&c.HangupSide, &c.HangupCause, &c.Disposition, &c.WaitMS, &c.TalkMS, &data, &c.Recording)
	if err != nil {
		return Call{}, err
	}
	c.ArrivedAt = time.UnixMilli(arrived).UTC()
	c.QueuedAt, c.OfferedAt, c.AnsweredAt, c.EndedAt = fromMS(queued), fromMS(offered), fromMS(answered), fromMS(ended)
	if c.Data, err = decodeData(data); err != nil {
		return Call{}, fmt.Errorf("store: call %s: %w", c.ID, err)
	}
	return c, nil
}

// ms maps the zero time to NULL.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

func encodeData(m map[string]string) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func decodeData(s sql.NullString) (map[string]string, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	var m map[string]string
	err := json.Unmarshal([]byte(s.String), &m)
	return m, err
}
