package call

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hotline/hotline/ivr"
)

// The http node against a real local server: the call's variables go out as
// JSON; a JSON object answer continues at next with http.<key> variables; a
// slow server or an answer that is not JSON leaves through on_error.
func TestIVRHTTPNodeAgainstLocalServer(t *testing.T) {
	var got map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &got)
		switch r.URL.Path {
		case "/slow":
			time.Sleep(500 * time.Millisecond)
			w.Write([]byte(`{"priority":"9"}`))
		case "/html":
			w.Write([]byte(`<html>maintenance</html>`))
		default:
			w.Write([]byte(`{"priority":"7","tier":"gold"}`))
		}
	}))
	defer srv.Close()

	flows := map[string]*ivr.Flow{"main": {Language: "en", Start: "lookup", Nodes: map[string]*ivr.Node{
		"lookup": {Type: "http", URL: srv.URL + "${path}", Timeout: ivr.Duration(200 * time.Millisecond), Next: "vip", OnError: "plain"},
		"vip":    {Type: "enqueue", Queue: "support", PriorityFrom: "${http.priority}"},
		"plain":  {Type: "enqueue", Queue: "support"},
	}}}
	for _, tc := range []struct {
		path string
		want string // the enqueue that follows
	}{
		{"/crm", "enqueue queue=support priority=7 skills={} vars={account:42,http.priority:7,http.tier:gold,path:/crm}"},
		{"/slow", "enqueue queue=support priority=0 skills={} vars={account:42,path:/slow}"},
		{"/html", "enqueue queue=support priority=0 skills={} vars={account:42,path:/html}"},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			s, err := ivr.NewSession(flows, "main", ivr.CallInfo{CallID: "c1", ANI: "5551234",
				Vars: map[string]string{"account": "42", "path": tc.path}})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			var req ivr.HTTPRequest
			for _, a := range s.Start(now) {
				if r, ok := a.(ivr.HTTPRequest); ok {
					req = r
				}
			}
			c := &Call{inbox: make(chan any, 1), log: slog.New(slog.DiscardHandler)}
			c.doHTTP(req)
			res := (<-c.inbox).(httpDone).res
			if got["ani"] != "5551234" || got["account"] != "42" {
				t.Errorf("the CRM got %v, want the caller's ANI and variables", got)
			}
			var last string
			for _, a := range s.Input(now.Add(time.Second), res) {
				if e, ok := a.(ivr.Enqueue); ok {
					last = ivr.Describe(e)
				}
			}
			if last != tc.want {
				t.Errorf("after %s:\n got %s\nwant %s", tc.path, last, tc.want)
			}
		})
	}
}
