package store

import (
	"context"
	"fmt"
	"time"
)

// Voicemail is one message left in an IVR voicemail node.
type Voicemail struct {
	ID        int64     `json:"id"`
	CallID    string    `json:"call_id"`
	Box       string    `json:"box"`
	ANI       string    `json:"ani,omitempty"`
	Path      string    `json:"path"`
	Duration  int64     `json:"duration_ms"`
	CreatedAt time.Time `json:"created_at"`
	Heard     bool      `json:"heard"`
}

// AddVoicemail indexes a recorded message and returns its id.
func (s *Store) AddVoicemail(ctx context.Context, v Voicemail) (int64, error) {
	if v.CallID == "" || v.Box == "" || v.Path == "" || v.CreatedAt.IsZero() {
		return 0, fmt.Errorf("%w: voicemail needs call_id, box, path and created_at", ErrInvalid)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO voicemails (call_id, box, ani, path, duration_ms, created_at)
		VALUES (?,?,?,?,?,?)`, v.CallID, v.Box, v.ANI, v.Path, v.Duration, v.CreatedAt.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: add voicemail: %w", err)
	}
	return res.LastInsertId()
}

// SetVoicemailDuration records a message's length once it is closed.
func (s *Store) SetVoicemailDuration(ctx context.Context, id, ms int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE voicemails SET duration_ms = ? WHERE id = ?`, ms, id); err != nil {
		return fmt.Errorf("store: voicemail %d: %w", id, err)
	}
	return nil
}

// UnfinishedVoicemails lists messages whose length was never recorded: a
// crash cut them while the caller spoke.
func (s *Store) UnfinishedVoicemails(ctx context.Context) ([]Voicemail, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, path FROM voicemails WHERE duration_ms = 0`)
	if err != nil {
		return nil, fmt.Errorf("store: unfinished voicemails: %w", err)
	}
	defer rows.Close()
	var out []Voicemail
	for rows.Next() {
		var v Voicemail
		if err := rows.Scan(&v.ID, &v.Path); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ListVoicemails returns a box's messages (every box when box is ""),
// newest first.
func (s *Store) ListVoicemails(ctx context.Context, box string, limit int) ([]Voicemail, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, call_id, box, ani, path, duration_ms, created_at, heard
		FROM voicemails WHERE (? = '' OR box = ?) ORDER BY created_at DESC, id DESC LIMIT ?`, box, box, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list voicemails: %w", err)
	}
	defer rows.Close()
	var out []Voicemail
	for rows.Next() {
		var v Voicemail
		var at int64
		if err := rows.Scan(&v.ID, &v.CallID, &v.Box, &v.ANI, &v.Path, &v.Duration, &at, &v.Heard); err != nil {
			return nil, fmt.Errorf("store: list voicemails: %w", err)
		}
		v.CreatedAt = time.UnixMilli(at).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// MarkVoicemailHeard records that someone listened to message id.
func (s *Store) MarkVoicemailHeard(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE voicemails SET heard = 1 WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("store: mark voicemail: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: voicemail %d", ErrNotFound, id)
	}
	return nil
}

// Callback is a call back promised to a customer in the IVR.
type Callback struct {
	ID        int64     `json:"id"`
	CallID    string    `json:"call_id"` // the call that asked for it
	Queue     string    `json:"queue"`
	Number    string    `json:"number"`
	DueAt     time.Time `json:"due_at"`
	Status    string    `json:"status"` // pending, queued (with the ACD), done, failed
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AddCallback files a pending callback and returns its id.
func (s *Store) AddCallback(ctx context.Context, c Callback) (int64, error) {
	if c.CallID == "" || c.Queue == "" || c.Number == "" || c.CreatedAt.IsZero() {
		return 0, fmt.Errorf("%w: callback needs call_id, queue, number and created_at", ErrInvalid)
	}
	due := c.DueAt
	if due.IsZero() {
		due = c.CreatedAt
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO callbacks (call_id, queue, number, due_at, created_at, updated_at)
		VALUES (?,?,?,?,?,?)`, c.CallID, c.Queue, c.Number, due.UnixMilli(), c.CreatedAt.UnixMilli(), c.CreatedAt.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: add callback: %w", err)
	}
	return res.LastInsertId()
}

// SetCallbackStatus moves callback id to status.
func (s *Store) SetCallbackStatus(ctx context.Context, id int64, status string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE callbacks SET status = ?, updated_at = ? WHERE id = ?`, status, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("store: callback %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: callback %d", ErrNotFound, id)
	}
	return nil
}

// OpenCallbacks lists the callbacks not yet done or failed, soonest first:
// after a restart they go back to the ACD.
func (s *Store) OpenCallbacks(ctx context.Context) ([]Callback, error) {
	return s.listCallbacks(ctx, `WHERE status IN ('pending', 'queued') ORDER BY due_at, id`)
}

// ListCallbacks lists every callback, newest first.
func (s *Store) ListCallbacks(ctx context.Context, limit int) ([]Callback, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.listCallbacks(ctx, fmt.Sprintf(`ORDER BY created_at DESC, id DESC LIMIT %d`, limit))
}

func (s *Store) listCallbacks(ctx context.Context, tail string) ([]Callback, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, call_id, queue, number, due_at, status, created_at, updated_at
		FROM callbacks `+tail)
	if err != nil {
		return nil, fmt.Errorf("store: list callbacks: %w", err)
	}
	defer rows.Close()
	var out []Callback
	for rows.Next() {
		var c Callback
		var due, created, updated int64
		if err := rows.Scan(&c.ID, &c.CallID, &c.Queue, &c.Number, &due, &c.Status, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: list callbacks: %w", err)
		}
		c.DueAt, c.CreatedAt, c.UpdatedAt = time.UnixMilli(due).UTC(), time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
