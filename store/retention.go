package store

import (
	"context"
	"fmt"
	"time"
)

// Expired is one recording past the retention period: a call's stereo WAV
// (CallID set) or a voicemail message (Voicemail set).
type Expired struct {
	CallID    string
	Voicemail int64
	Path      string
}

// ExpiredRecordings lists up to limit recordings made before before: call
// recordings by the call's arrival, voicemail by when it was left.
func (s *Store) ExpiredRecordings(ctx context.Context, before time.Time, limit int) ([]Expired, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, '', recording FROM calls WHERE recording <> '' AND arrived_at < ?1
		UNION ALL
		SELECT '', id, path FROM voicemails WHERE created_at < ?1
		LIMIT ?2`, before.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: expired recordings: %w", err)
	}
	defer rows.Close()
	var out []Expired
	for rows.Next() {
		var e Expired
		var vm any
		if err := rows.Scan(&e.CallID, &vm, &e.Path); err != nil {
			return nil, fmt.Errorf("store: expired recordings: %w", err)
		}
		if n, ok := vm.(int64); ok {
			e.Voicemail = n
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ForgetRecording removes an expired recording from the index once its
// file is gone: the call keeps its record without the path; a voicemail's
// row goes.
func (s *Store) ForgetRecording(ctx context.Context, e Expired) error {
	var err error
	if e.Voicemail != 0 {
		_, err = s.db.ExecContext(ctx, `DELETE FROM voicemails WHERE id = ?`, e.Voicemail)
	} else {
		_, err = s.db.ExecContext(ctx, `UPDATE calls SET recording = '' WHERE id = ?`, e.CallID)
	}
	if err != nil {
		return fmt.Errorf("store: forget recording %s: %w", e.Path, err)
	}
	return nil
}
