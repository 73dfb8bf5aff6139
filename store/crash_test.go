package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

const crashChildEnv = "HOTLINE_STORE_CRASH_CHILD_DB"

// TestCrashChild is the child half of TestKill9KeepsCommittedCalls: it
// records calls forever, printing each id once CreateCall has returned.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("runs only as the child of TestKill9KeepsCommittedCalls")
	}
	s, err := Open(path)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	ctx := context.Background()
	w := NewEventWriter(s, EventWriterOptions{})
	for i := 0; ; i++ {
		id := fmt.Sprintf("call-%06d", i)
		c := Call{ID: id, ANI: "1001", ArrivedAt: at(float64(i))}
		if i%2 == 1 {
			c.QueuedAt, c.AnsweredAt, c.AgentID = at(float64(i)), at(float64(i)+1), "1002"
		}
		if err := s.CreateCall(ctx, c); err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		w.Write(Event{TS: c.ArrivedAt, Kind: "call.arrived", CallID: id})
		fmt.Println(id) // os.Stdout is unbuffered: the parent sees it after the commit
	}
}

// The switch is killed with SIGKILL while recording calls; every call whose
// CreateCall had returned must be in the database afterwards, and recovery
// closes each open call once.
func TestKill9KeepsCommittedCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	committed := map[string]bool{}
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(committed) < 300 {
		line := sc.Text()
		if len(line) > 3 && line[:3] == "ERR" {
			t.Fatalf("child: %s", line)
		}
		committed[line] = true
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() { // ids printed before the kill landed were committed too
		committed[sc.Text()] = true
	}
	_ = cmd.Wait()
	if len(committed) < 300 {
		t.Fatalf("child committed only %d calls before exiting", len(committed))
	}

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for id := range committed {
		if _, err := s.GetCall(ctx, id); err != nil {
			t.Errorf("committed call %s lost: %v", id, err)
		}
	}
	before, err := s.ListCalls(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.RecoverOpenCalls(ctx, at(1e6))
	if n := len(r.Calls); err != nil || n != len(before) {
		t.Fatalf("recovered %d (%v), want %d", n, err, len(before))
	}
	after, _ := s.ListCalls(ctx, Filter{})
	if len(after) != len(before) {
		t.Fatalf("%d rows after recovery, %d before", len(after), len(before))
	}
	for _, c := range after {
		want := "abandoned"
		if !c.AnsweredAt.IsZero() {
			want = "answered"
		}
		if c.HangupSide != "switch" || c.HangupCause != "switch_restart" || c.Disposition != want {
			t.Fatalf("%s: %+v", c.ID, c)
		}
	}
	t.Logf("%d calls committed before SIGKILL, %d rows found", len(committed), len(after))
}
