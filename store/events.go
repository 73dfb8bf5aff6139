package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Event is one bus event kept for reports.
//
// Data carries the kind-specific details as strings. Keys read by
// AgentStates and QueueLog: state, from_state (or from), reason (agent.state);
// side, cause, disposition (call.ended, agent.completed); reason
// (queue.exited); position, orig_position, wait_ms, ring_ms, talk_ms, ani,
// key. Missing wait, talk and ani values are taken from the call record.
type Event struct {
	Seq     uint64            `json:"seq"`
	TS      time.Time         `json:"ts"`
	Kind    string            `json:"kind"`
	CallID  string            `json:"call_id,omitempty"`
	Queue   string            `json:"queue,omitempty"`
	AgentID string            `json:"agent_id,omitempty"`
	Data    map[string]string `json:"data,omitempty"`
}

// AgentState is one interval an agent spent in a state; To is zero while
// the interval is open.
type AgentState struct {
	AgentID string    `json:"agent_id"`
	State   string    `json:"state"`
	Reason  string    `json:"reason,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to,omitzero"`
}

// EventWriterOptions tunes batching; zero values take the defaults.
type EventWriterOptions struct {
	Buffer        int              // channel capacity; default 8192
	BatchSize     int              // flush when this many are pending; default 256
	FlushInterval time.Duration    // flush at least this often; default 50ms
	OnError       func(error)      // a failed flush (retried on the next tick); default ignores
	OnCommitted   func(seq uint64) // after each committed batch, with its last event's Seq (the Journal's cue)
}

// EventWriterStats counts what the writer did, for metrics.
type EventWriterStats struct {
	Written uint64 // rows committed
	Blocked uint64 // Writes that found the buffer full and waited
	Flushes uint64 // committed transactions
	Errors  uint64 // failed flushes
}

// EventWriter stores events in batches: one transaction per 50 ms or 256
// events instead of one per event, which is what lets SQLite keep up with
// a busy switch.
//
// Trade-off: an accepted event is never dropped. When the buffer is full
// (SQLite stalled, e.g. a checkpoint or a slow disk) Write blocks until the
// writer catches up, pushing back on its caller. Hotline calls Write from
// the bus subscriber goroutine, and the bus cuts off a subscriber that falls
// too far behind, so a stalled disk costs event history, never calls.
// Events still in memory when the process dies (kill -9) are not lost: the
// switch appends each to a Journal as it is published and replays the
// journal at the next start; call records (CreateCall/EndCall) are
// synchronous and need no journal.
type EventWriter struct {
	s    *Store
	opts EventWriterOptions
	ch   chan Event

	mu     sync.RWMutex // held shared by Write, exclusively by Close
	closed bool

	quit chan struct{}
	done chan struct{}
	err  error // the final flush's error, read after done

	written, blocked, flushes, errs atomic.Uint64
}

// NewEventWriter starts a writer on s. Close it before closing s.
func NewEventWriter(s *Store, opts EventWriterOptions) *EventWriter {
	if opts.Buffer <= 0 {
		opts.Buffer = 8192
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 256
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 50 * time.Millisecond
	}
	w := &EventWriter{
		s: s, opts: opts, ch: make(chan Event, opts.Buffer),
		quit: make(chan struct{}), done: make(chan struct{}),
	}
	go w.run()
	return w
}

// Write queues ev for storage. It returns at once unless the buffer is
// full, when it waits for room rather than drop (see EventWriter). After
// Close it returns ErrClosed.
func (w *EventWriter) Write(ev Event) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	select {
	case w.ch <- ev:
		return nil
	default:
	}
	w.blocked.Add(1)
	w.ch <- ev // the run loop drains until Close, which waits for us
	return nil
}

// Close stores every accepted event and stops the writer. It returns the
// error of the final flush, if that failed.
func (w *EventWriter) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return w.err
	}
	w.closed = true
	w.mu.Unlock()
	close(w.quit)
	<-w.done
	return w.err
}

// Stats reports counters since NewEventWriter.
func (w *EventWriter) Stats() EventWriterStats {
	return EventWriterStats{
		Written: w.written.Load(), Blocked: w.blocked.Load(),
		Flushes: w.flushes.Load(), Errors: w.errs.Load(),
	}
}

func (w *EventWriter) run() {
	defer close(w.done)
	tick := time.NewTicker(w.opts.FlushInterval)
	defer tick.Stop()
	batch := make([]Event, 0, w.opts.BatchSize)
	failing := false // after a failure, retry on ticks only, not on every event
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := w.s.insertEvents(context.Background(), batch); err != nil {
			failing = true
			w.errs.Add(1)
			w.err = err
			if w.opts.OnError != nil {
				w.opts.OnError(err)
			}
			return
		}
		failing = false
		w.err = nil
		w.written.Add(uint64(len(batch)))
		w.flushes.Add(1)
		if w.opts.OnCommitted != nil {
			w.opts.OnCommitted(batch[len(batch)-1].Seq)
		}
		batch = batch[:0]
	}
	for {
		select {
		case ev := <-w.ch:
			batch = append(batch, ev)
			if len(batch) >= w.opts.BatchSize && !failing {
				flush()
			}
		case <-tick.C:
			flush()
		case <-w.quit:
			// Close holds no writers now: everything accepted is in ch.
			for {
				select {
				case ev := <-w.ch:
					batch = append(batch, ev)
					if len(batch) >= w.opts.BatchSize {
						flush()
					}
					continue
				default:
				}
				break
			}
			flush()
			return
		}
	}
}

// eventChunk rows go into one INSERT: far fewer cgo round trips per batch.
const eventChunk = 64

// insertEvents stores a batch in one transaction and keeps agent_states in
// step with the agent.state events in it.
func (s *Store) insertEvents(ctx context.Context, evs []Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: events: %w", err)
	}
	defer tx.Rollback()
	var full *sql.Stmt // the statement for a whole chunk, prepared once per batch
	args := make([]any, 0, eventChunk*7)
	for len(evs) > 0 {
		n := min(len(evs), eventChunk)
		args = args[:0]
		for _, ev := range evs[:n] {
			data, err := encodeData(ev.Data)
			if err != nil {
				return err
			}
			args = append(args, int64(ev.Seq), ev.TS.UnixMilli(), ev.Kind, ev.CallID, ev.Queue, ev.AgentID, data)
		}
		q := "INSERT INTO events (seq, ts, kind, call_id, queue, agent_id, data) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?),", n), ",")
		if n == eventChunk {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, q); err != nil {
					return fmt.Errorf("store: events: %w", err)
				}
				defer full.Close()
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, q, args...)
		}
		if err != nil {
			return fmt.Errorf("store: events: %w", err)
		}
		if err := agentStates(ctx, tx, evs[:n]); err != nil {
			return err
		}
		evs = evs[n:]
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: events: %w", err)
	}
	return nil
}

// agentStates closes each agent's open interval and opens the next one.
func agentStates(ctx context.Context, tx *sql.Tx, evs []Event) error {
	for _, ev := range evs {
		if ev.Kind != "agent.state" || ev.AgentID == "" || ev.Data["state"] == "" {
			continue
		}
		ts := ev.TS.UnixMilli()
		if _, err := tx.ExecContext(ctx, `UPDATE agent_states SET to_ts = MAX(from_ts, ?)
			WHERE agent_id = ? AND to_ts IS NULL`, ts, ev.AgentID); err != nil {
			return fmt.Errorf("store: agent states: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO agent_states (agent_id, state, reason, from_ts)
			VALUES (?, ?, ?, ?)`, ev.AgentID, ev.Data["state"], ev.Data["reason"], ts); err != nil {
			return fmt.Errorf("store: agent states: %w", err)
		}
	}
	return nil
}

// Events returns stored events in [From, To), oldest first (replay order).
func (s *Store) Events(ctx context.Context, f Filter) ([]Event, error) {
	where, args := f.where("ts", "agent_id")
	q := "SELECT seq, ts, kind, call_id, queue, agent_id, data FROM events" + where + " ORDER BY ts, id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var seq, ts int64
		var data sql.NullString
		if err := rows.Scan(&seq, &ts, &ev.Kind, &ev.CallID, &ev.Queue, &ev.AgentID, &data); err != nil {
			return nil, err
		}
		ev.Seq, ev.TS = uint64(seq), time.UnixMilli(ts).UTC()
		if ev.Data, err = decodeData(data); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// AgentStates returns the state intervals overlapping [From, To) for
// f.Agent (all agents when empty), oldest first.
func (s *Store) AgentStates(ctx context.Context, f Filter) ([]AgentState, error) {
	q := "SELECT " + agentStateColumns + " FROM agent_states WHERE 1=1"
	var args []any
	if !f.To.IsZero() {
		q += " AND from_ts < ?"
		args = append(args, f.To.UnixMilli())
	}
	if !f.From.IsZero() {
		q += " AND (to_ts IS NULL OR to_ts > ?)"
		args = append(args, f.From.UnixMilli())
	}
	if f.Agent != "" {
		q += " AND agent_id = ?"
		args = append(args, f.Agent)
	}
	q += " ORDER BY from_ts, id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: agent states: %w", err)
	}
	return scanAgentStates(rows)
}

// agentStateColumns are what scanAgentStates reads.
const agentStateColumns = "agent_id, state, reason, from_ts, to_ts"

// scanAgentStates reads every row of a query returning agentStateColumns,
// and closes it.
func scanAgentStates(rows *sql.Rows) ([]AgentState, error) {
	defer rows.Close()
	var out []AgentState
	for rows.Next() {
		var a AgentState
		var from int64
		var to sql.NullInt64
		if err := rows.Scan(&a.AgentID, &a.State, &a.Reason, &from, &to); err != nil {
			return nil, err
		}
		a.From, a.To = time.UnixMilli(from).UTC(), fromMS(to)
		out = append(out, a)
	}
	return out, rows.Err()
}
