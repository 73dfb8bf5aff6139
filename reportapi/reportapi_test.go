package reportapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/report"
	"github.com/hotline/hotline/store"
)

// seed stores three sales calls on 22 Nov 2026 (UTC): answered after 10 s,
// answered after 40 s, abandoned after 30 s.
func seed(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	base := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	ptr := func(v time.Time) *time.Time { return &v }
	str := func(v string) *string { return &v }
	for i, c := range []struct {
		wait time.Duration
		ans  bool
		disp string
	}{{10 * time.Second, true, "answered"}, {40 * time.Second, true, "answered"}, {30 * time.Second, false, "abandoned"}} {
		id := string(rune('a' + i))
		q := base.Add(time.Duration(i) * time.Minute)
		if err := st.CreateCall(ctx, store.Call{ID: id, Trunk: "carrier", ArrivedAt: q.Add(-5 * time.Second)}); err != nil {
			t.Fatal(err)
		}
		u := store.CallUpdate{Queue: str("sales"), QueuedAt: ptr(q)}
		if c.ans {
			u.AnsweredAt, u.AgentID = ptr(q.Add(c.wait)), str("1001")
		}
		if err := st.UpdateCall(ctx, id, u); err != nil {
			t.Fatal(err)
		}
		if err := st.EndCall(ctx, id, q.Add(c.wait+time.Minute), "caller", "normal_clearing", c.disp); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func newServer(t *testing.T) (*httptest.Server, *store.Store) {
	st := seed(t)
	mux := http.NewServeMux()
	(&Server{St: st, Loc: time.UTC, Log: slog.New(slog.DiscardHandler),
		Tokens: func() []cti.Token {
			return []cti.Token{{Token: "crm-t", Role: "crm"}, {Token: "agent-t", Role: "agent:1001"}, {Token: "sup-t", Role: "supervisor"}}
		},
		Teams: func() map[string]string { return map[string]string{"1001": "blue"} },
		Now:   func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) },
	}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, st
}

func get(t *testing.T, url, token string, into any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if into != nil {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: content type %q", url, ct)
		}
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Errorf("%s: %v", url, err)
		}
	}
	return resp.StatusCode
}

func TestQueueReportOverHTTP(t *testing.T) {
	srv, st := newServer(t)
	var got Response
	url := srv.URL + "/api/reports/queue?from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z&interval=day"
	if code := get(t, url, "crm-t", &got); code != 200 {
		t.Fatalf("status %d", code)
	}
	if len(got.Rows) != 1 {
		t.Fatalf("rows %v", got.Rows)
	}
	r := got.Rows[0]
	// 3 offered, 2 answered (1 within 20 s), 1 abandoned (not short): SL 1/3, ASA 25 s.
	if r["queue"] != "sales" || r["offered"] != 3.0 || r["answered"] != 2.0 || r["abandoned"] != 1.0 ||
		r["service_level"] != 1.0/3 || r["asa_s"] != 25.0 {
		t.Errorf("row %v", r)
	}
	// The same rows as the shared code path the CLI prints.
	req, err := report.ParseRequest("queue", report.Params{From: "2026-11-22T00:00:00Z", To: "2026-11-23T00:00:00Z", Interval: "day"}, time.Now(), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := report.Run(context.Background(), st, req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(tab.Records())
	var want []map[string]any
	_ = json.Unmarshal(b, &want)
	if !reflect.DeepEqual(got.Rows, want) {
		t.Errorf("API rows %v\nreport.Run %v", got.Rows, want)
	}
	// Defaults: the last 24 h before Now (22 Nov 00:00 UTC → 23 Nov), by
	// the hour: the first call arrived at 08:59:55, the others after 09:00.
	var def Response
	if code := get(t, srv.URL+"/api/reports/trunk", "sup-t", &def); code != 200 || def.Interval != "1h" || len(def.Rows) != 2 ||
		def.Rows[0]["offered"] != 1.0 || def.Rows[1]["offered"] != 2.0 || def.Rows[1]["peak_concurrent"] != 2.0 {
		t.Errorf("trunk with defaults: %d %+v", code, def)
	}
	// Teams come from the live configuration: 1001 is in blue.
	var team Response
	if code := get(t, srv.URL+"/api/reports/team?interval=all", "sup-t", &team); code != 200 || len(team.Rows) != 1 ||
		team.Rows[0]["team"] != "blue" || team.Rows[0]["answered"] != 2.0 || team.Rows[0]["agents"] != 1.0 {
		t.Errorf("team: %d %+v", code, team)
	}
}

func TestReportAPIErrors(t *testing.T) {
	srv, _ := newServer(t)
	for _, tc := range []struct {
		path, token string
		code        int
		errCode     string
		param       string
	}{
		{"/api/reports/queue", "", 401, "unauthorized", ""},
		{"/api/reports/queue", "nope", 401, "unauthorized", ""},
		{"/api/reports/queue", "agent-t", 403, "forbidden", ""},
		{"/api/reports/payroll", "crm-t", 404, "unknown_report", ""},
		{"/api/reports/queue?from=yesterday", "crm-t", 400, "bad_param", "from"},
		{"/api/reports/queue?from=2026-11-23T00:00&to=2026-11-22T00:00", "crm-t", 400, "bad_param", "to"},
		{"/api/reports/queue?interval=fortnight", "crm-t", 400, "bad_param", "interval"},
		{"/api/reports/queue?sl=-3s", "crm-t", 400, "bad_param", "sl"},
		{"/api/reports/queue?short_abandon=x", "crm-t", 400, "bad_param", "short_abandon"},
		{"/api/reports/survey?top_box=12", "crm-t", 400, "bad_param", "top_box"},
		{"/api/reports/queue?qeue=sales", "crm-t", 400, "bad_param", "qeue"},
		{"/api/reports/queue?queue=a&queue=b", "crm-t", 400, "bad_param", "queue"},
		{"/api/reports/queue?format=xml", "crm-t", 400, "bad_param", "format"},
		{"/api/reports/queue?from=2020-01-01T00:00", "crm-t", 400, "bad_param", "from"},
	} {
		var body map[string]string
		code := get(t, srv.URL+tc.path, tc.token, &body)
		if code != tc.code || body["error"] != tc.errCode || body["param"] != tc.param || body["message"] == "" {
			t.Errorf("%s (token %q): %d %v, want %d %s param %q", tc.path, tc.token, code, body, tc.code, tc.errCode, tc.param)
		}
	}
}
