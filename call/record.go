package call

import (
	"strconv"

	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/store"
)

// Helpers that shape call-record updates and stored events.

func storeUpdateFlow(flow, digits string) store.CallUpdate {
	return store.CallUpdate{Flow: &flow, IVRDigits: &digits}
}

func storeUpdateData(vars map[string]string) store.CallUpdate {
	d := make(map[string]string, len(vars))
	for k, v := range vars {
		d[k] = v
	}
	return store.CallUpdate{Data: d}
}

// storeEvent flattens a bus event for the history table: the columns the
// reports filter on, everything else in data.
func storeEvent(e cti.Event) store.Event {
	se := store.Event{Seq: e.Seq, TS: e.TS, Kind: e.Kind, CallID: e.CallID, Queue: e.Queue, AgentID: e.AgentID}
	d := map[string]string{}
	for k, v := range e.Data {
		d["data."+k] = v
	}
	put := func(k, v string) {
		if v != "" {
			d[k] = v
		}
	}
	put("ani", e.ANI)
	put("dnis", e.DNIS)
	put("trunk", e.Trunk)
	put("digits", e.Digits)
	put("flow", e.Flow)
	put("state", e.State)
	put("from", e.FromState)
	put("reason", e.Reason)
	put("cause", e.Cause)
	put("side", e.Side)
	if e.Priority != 0 {
		d["priority"] = strconv.Itoa(e.Priority)
	}
	if e.Position != 0 {
		d["position"] = strconv.Itoa(e.Position)
	}
	if e.Wait != 0 {
		d["wait_ms"] = strconv.FormatInt(e.Wait.Milliseconds(), 10)
	}
	if len(d) > 0 {
		se.Data = d
	}
	return se
}
