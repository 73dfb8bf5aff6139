package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/reportapi"
	"github.com/hotline/hotline/store"
)

// The HTTP report API and `hotline report … --format json` print the same
// rows for every report kind.
func TestReportCLIMatchesHTTPAPI(t *testing.T) {
	db := seedReportDB(t)
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mux := http.NewServeMux()
	(&reportapi.Server{St: st, Loc: time.Local, Log: slog.New(slog.DiscardHandler), Now: time.Now,
		Tokens: func() []cti.Token { return []cti.Token{{Token: "t", Role: "supervisor"}} },
		Teams:  func() map[string]string { return nil }}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, kind := range []string{"queue", "agent", "trunk", "ivr", "survey", "team"} {
		out, err := runReportCmd(t, kind, "--db", db, "--from", "2026-11-22T00:00:00Z", "--to", "2026-11-23T00:00:00Z",
			"--interval", "30m", "--format", "json")
		if err != nil {
			t.Fatal(err)
		}
		var cli []map[string]any
		if err := json.Unmarshal([]byte(out), &cli); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", srv.URL+"/api/reports/"+kind+"?from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z&interval=30m", nil)
		req.Header.Set("Authorization", "Bearer t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var api reportapi.Response
		err = json.NewDecoder(resp.Body).Decode(&api)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", kind, resp.StatusCode, err)
		}
		if !reflect.DeepEqual(cli, api.Rows) {
			t.Errorf("%s: CLI %v\nAPI %v", kind, cli, api.Rows)
		}
		if kind == "queue" && len(cli) == 0 {
			t.Errorf("queue: no rows to compare")
		}
	}
}

func TestReportNewKindsUsage(t *testing.T) {
	db := seedReportDB(t)
	for _, args := range [][]string{
		{"survey", "--top-box", "12"},
		{"trunk", "--interval", "fortnight"},
		{"team", "--config", "/nonexistent/hotline.yaml"},
	} {
		_, err := runReportCmd(t, append(args, "--db", db)...)
		if err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	out, err := runReportCmd(t, "trunk", "--db", db, "--from", "2026-11-22T09:00:00Z", "--to", "2026-11-22T10:00:00Z", "--interval", "all", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	// By hand: r1 arrived 08:59:55 (before the range) and is up until
	// 09:02:10; r2–r5 arrive in the range, r2 answered, r3 and r4
	// abandoned. Channel time 130+105+8+35+95 = 373 s = 0.104 E; at
	// 09:02:00 r1, r2 and r3 are all up.
	want := "start,trunk,offered,answered,abandoned,self_served,channel_s,erlangs,peak_concurrent\n" +
		"2026-11-22T09:00:00Z,,4,1,2,0,373.0,0.104,3\n"
	if out != want {
		t.Errorf("trunk csv:\n%s\nwant\n%s", out, want)
	}
}
