package cti

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Events reach the hook signed, in order; a receiver that fails twice gets
// the event on the third try; filtered kinds are not sent.
func TestWebhookDeliversSignedWithRetries(t *testing.T) {
	var mu sync.Mutex
	var got []string
	fails := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Hotline-Signature") != Sign("s3cret", body) {
			t.Errorf("bad signature on %s", body)
		}
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 {
			fails--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		got = append(got, m["event"].(string)+"/"+m["call_id"].(string))
	}))
	defer srv.Close()
	bus := NewBus(64)
	hooks := StartWebhooks(bus, []Webhook{{URL: srv.URL, Secret: "s3cret", Kinds: []string{"call.arrived", "call.ended"}}},
		WebhookOptions{Backoff: time.Millisecond})
	defer hooks.Close()
	time.Sleep(50 * time.Millisecond) // the hook subscribes
	bus.Publish(Event{Kind: "call.arrived", CallID: "c1"})
	bus.Publish(Event{Kind: "agent.state", AgentID: "1001"})
	bus.Publish(Event{Kind: "call.ended", CallID: "c1"})
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != "call.arrived/c1" || got[1] != "call.ended/c1" {
		t.Fatalf("delivered %v", got)
	}
}
