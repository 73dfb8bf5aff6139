package store

import (
	"context"
	"testing"
)

// Filter.Kind "ivr.*" selects a family of kinds, in stored order.
func TestEventsKindFamily(t *testing.T) {
	s, _ := openTest(t)
	w := NewEventWriter(s, EventWriterOptions{})
	for i, k := range []string{"ivr.node", "queue.joined", "ivr.digits", "ivrx.node", "ivr.exited"} {
		if err := w.Write(Event{Seq: uint64(i + 1), TS: at(0), Kind: k, CallID: "c1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(context.Background(), Filter{Kind: "ivr.*"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Kind)
	}
	if len(got) != 3 || got[0] != "ivr.node" || got[1] != "ivr.digits" || got[2] != "ivr.exited" {
		t.Errorf("ivr.* = %v, want ivr.node ivr.digits ivr.exited in order", got)
	}
}
