package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hotline.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestOpenPragmas(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "1"}, // NORMAL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
}

func TestMigrationsAreContiguous(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 2 {
		t.Fatalf("got %d migrations", len(ms))
	}
	for i, m := range ms {
		if m.version != i+1 || m.name == "" || m.sql == "" {
			t.Errorf("migration %d: %+v", i, m)
		}
	}
}

// A database left at migration 1 by an older release upgrades in place
// and keeps its rows; opening again applies nothing twice.
func TestMigrationUpgradeInPlace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := openAt(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := old.SchemaVersion(ctx); v != 1 {
		t.Fatalf("old version %d, want 1", v)
	}
	if _, err := old.db.ExecContext(ctx, "SELECT 1 FROM events"); err == nil {
		t.Fatal("events table exists at migration 1")
	}
	// The row is written as the older release did, with only its columns.
	if _, err := old.db.ExecContext(ctx, "INSERT INTO calls (id, ani, arrived_at) VALUES ('c1', '1001', ?)", at(0).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	old.Close()

	all, _ := migrations()
	for range 2 {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := s.SchemaVersion(ctx); v != len(all) {
			t.Errorf("version %d, want %d", v, len(all))
		}
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_version").Scan(&n); err != nil || n != len(all) {
			t.Errorf("schema_version rows %d (%v), want %d", n, err, len(all))
		}
		if c, err := s.GetCall(ctx, "c1"); err != nil || c.ANI != "1001" {
			t.Errorf("call after upgrade: %+v, %v", c, err)
		}
		if err := s.insertEvents(ctx, []Event{{TS: at(1), Kind: "call.arrived", CallID: "c1"}}); err != nil {
			t.Errorf("events after upgrade: %v", err)
		}
		s.Close()
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openTest(t)
	if _, err := s.db.Exec(`INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("got %v, want ErrSchemaTooNew", err)
	}
}
