package store

import (
	"context"
	"fmt"
	"time"
)

// RecordingRef is one call's entry in the recordings index.
type RecordingRef struct {
	CallID    string
	Path      string
	ArrivedAt time.Time
}

// RecordingsBefore lists recordings of ended calls that arrived before t,
// oldest first, at most limit (<= 0: all).
func (s *Store) RecordingsBefore(ctx context.Context, t time.Time, limit int) ([]RecordingRef, error) {
	q := `SELECT id, recording, arrived_at FROM calls
		WHERE recording <> '' AND ended_at IS NOT NULL AND arrived_at < ? ORDER BY arrived_at`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.db.QueryContext(ctx, q, t.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: recordings before %s: %w", t, err)
	}
	defer rows.Close()
	var out []RecordingRef
	for rows.Next() {
		var r RecordingRef
		var at int64
		if err := rows.Scan(&r.CallID, &r.Path, &at); err != nil {
			return nil, err
		}
		r.ArrivedAt = time.UnixMilli(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ClearRecording removes a call's recording from the index (its file is
// gone); the call record stays for the reports.
func (s *Store) ClearRecording(ctx context.Context, callID string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE calls SET recording = '' WHERE id = ?`, callID); err != nil {
		return fmt.Errorf("store: clear recording of %s: %w", callID, err)
	}
	return nil
}
