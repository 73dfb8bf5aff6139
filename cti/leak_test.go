package cti

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// checkRoutines fails the test if goroutines started during it are still
// running shortly after it ends (in the spirit of pion's test.CheckRoutines).
func checkRoutines(t *testing.T) {
	t.Helper()
	before := interesting()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for {
			extra := diff(interesting(), before)
			if len(extra) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d goroutine(s) leaked:\n%s", len(extra), strings.Join(extra, "\n\n"))
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func interesting() map[string]string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		head, _, _ := strings.Cut(g, "\n")
		if strings.Contains(g, "testing.(*T).Run") || strings.Contains(g, "testing.tRunner") ||
			strings.Contains(g, "runtime.goexit") && !strings.Contains(g, "hotline") ||
			strings.Contains(g, "checkRoutines") || strings.Contains(g, "testing.(*M)") ||
			strings.Contains(g, "os/signal") {
			continue
		}
		id := strings.Fields(head)
		if len(id) > 1 {
			out[id[1]] = g
		}
	}
	return out
}

func diff(now, before map[string]string) []string {
	var extra []string
	for id, g := range now {
		if _, ok := before[id]; !ok {
			extra = append(extra, g)
		}
	}
	return extra
}
