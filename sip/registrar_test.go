package sip

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// A phone found unreachable loses its binding only if it has not
// registered again since the request that went unanswered.
func TestDropIfUnchanged(t *testing.T) {
	now := time.Unix(1700000000, 0)
	r := newRegistrar()
	b := Binding{AgentID: "1002", Source: "127.0.0.1:5072", Expires: now.Add(300 * time.Second)}
	r.set(b, false)

	refreshed := b
	refreshed.Expires = b.Expires.Add(20 * time.Second)
	r.set(refreshed, false)
	if r.dropIfUnchanged(b) {
		t.Fatal("a binding refreshed since was dropped")
	}
	moved := refreshed
	moved.Source = "127.0.0.1:5080"
	if r.dropIfUnchanged(moved) {
		t.Fatal("a binding from another source was dropped")
	}
	if !r.dropIfUnchanged(refreshed) {
		t.Fatal("the unchanged binding was kept")
	}
	if _, ok := r.get("1002", now); ok {
		t.Fatal("binding still there")
	}
	if r.dropIfUnchanged(refreshed) {
		t.Fatal("dropped twice")
	}
}

func TestUnanswered(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("Timer_F timed out. %w", sip.ErrTransactionTimeout), true},
		{fmt.Errorf("write: %w", sip.ErrTransactionTransport), true},
		{context.DeadlineExceeded, true},
		{sipgo.ErrDialogResponse{Res: sip.NewResponse(481, "Call/Transaction Does Not Exist")}, false},
		{errors.New("Dialog not confirmed or did not receive yet any response"), false},
	} {
		if got := unanswered(c.err); got != c.want {
			t.Errorf("unanswered(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
