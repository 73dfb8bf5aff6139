// Package store is Hotline's SQLite store: call records (one row per call),
// the event history reports are computed from, agent state intervals, and
// an Asterisk-compatible queue_log export.
package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	_ "github.com/mattn/go-sqlite3" // cgo SQLite driver, registered as "sqlite3"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// Store is a handle on one Hotline database. It is safe for concurrent use.
type Store struct {
	db *sql.DB
}

// dsn sets the pragmas on every pooled connection, not just the first.
//
//   - WAL lets report queries read while the switch writes.
//   - synchronous=NORMAL in WAL mode: a commit is in the WAL file (OS page
//     cache) before it returns, so a process crash (kill -9, panic, OOM)
//     loses no committed transaction; only an OS crash or power cut can lose
//     the last few commits. fsync on every commit (FULL) would cap call setup
//     rate for a risk the call-center host is not expected to take.
//   - busy_timeout: the EventWriter and call actors write concurrently;
//     they queue on the lock instead of failing with SQLITE_BUSY.
//   - _txlock=immediate takes the write lock at BEGIN, so a transaction
//     never fails half-way when upgrading from a read lock.
func dsn(path string) string {
	return "file:" + path + "?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000" +
		"&_foreign_keys=on&_txlock=immediate"
}

const maxConns = 4

// Open opens (creating if needed) the database at path and applies every
// pending migration, so a database from an older Hotline upgrades in place.
func Open(path string) (*Store, error) {
	return openAt(path, -1)
}

// openAt migrates up to version max (all when max < 0); tests use it to
// build a database as an older release left it.
func openAt(path string, max int) (*Store, error) {
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, err
	}
	// Keep connections open: database/sql otherwise keeps only two idle
	// and re-opens (and re-runs the DSN pragmas) for every burst of
	// concurrent call-record writes. A few connections are plenty, since
	// SQLite has one writer; more would only wait in its busy handler.
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	s := &Store{db: db}
	ctx := context.Background()
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("store: open %s: journal_mode is %q, want wal", path, mode)
	}
	if err := s.migrate(ctx, max); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database. Close the EventWriter first.
func (s *Store) Close() error { return s.db.Close() }

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists store/migrations/NNNN_name.sql in order; the numbers
// must run 1, 2, 3… without gaps so a missing file cannot go unnoticed.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationsFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %s: want NNNN_name.sql", e.Name())
		}
		b, err := migrationsFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %04d_%s: want version %d", m.version, m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the highest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&v)
	return v, err
}

func (s *Store) migrate(ctx context.Context, max int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if max >= 0 && max < len(ms) {
		ms = ms[:max]
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("store: schema_version: %w", err)
	}
	cur, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if all, _ := migrations(); cur > len(all) {
		return fmt.Errorf("%w: database at %d, this build knows %d", ErrSchemaTooNew, cur, len(all))
	}
	for _, m := range ms {
		if m.version <= cur {
			continue
		}
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration in its own transaction; the version check is
// repeated under the write lock in case another process migrated first.
func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var done int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_version WHERE version = ?", m.version).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, name, applied_at)
		VALUES (?, ?, CAST(strftime('%s','now') AS INTEGER) * 1000)`, m.version, m.name); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, err)
	}
	return nil
}
