// Package reportapi serves the contact-center reports over HTTP as JSON:
// GET /api/reports/{queue|agent|team|trunk|ivr|survey}. It runs the same
// report.Run as `hotline report`, so both show the same numbers.
package reportapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hotline/hotline/cti"
	"github.com/hotline/hotline/report"
	"github.com/hotline/hotline/store"
	"github.com/hotline/hotline/webauth"
)

// Roles that may read reports.
var Roles = []cti.Role{cti.RoleCRM, cti.RoleSupervisor, cti.RoleAdmin}

// maxRange bounds one request, so a typo cannot make the switch scan
// years of history at 15-minute resolution.
const maxRange = 400 * 24 * time.Hour

// params maps query parameters to report.Params fields; anything else is
// refused, so a misspelt filter does not silently report everything.
var params = []string{"from", "to", "interval", "sl", "short_abandon", "queue", "agent", "top_box", "format"}

// Server answers report requests from st.
type Server struct {
	St     *store.Store
	Tokens webauth.Tokens
	Teams  func() map[string]string // agent id -> team, from the live configuration
	Now    func() time.Time
	Loc    *time.Location // local times in from/to and calendar intervals
	Log    *slog.Logger
}

// Register adds GET /api/reports/{kind} to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/reports/{kind}", s.serve)
}

// Response is the JSON body of a report. Rows are the same objects
// `hotline report … --format json` prints.
type Response struct {
	Report   string           `json:"report"`
	From     time.Time        `json:"from"`
	To       time.Time        `json:"to"`
	Interval string           `json:"interval"`
	Rows     []map[string]any `json:"rows"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p, ok := webauth.Check(s.Tokens(), webauth.Bearer(r))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hotline"`)
		webauth.Error(w, http.StatusUnauthorized, "unauthorized", "send Authorization: Bearer <CTI token>")
		return
	}
	if !webauth.Allowed(p, Roles...) {
		webauth.Error(w, http.StatusForbidden, "forbidden", "reports need a crm, supervisor or admin token")
		return
	}
	kind := r.PathValue("kind")
	if !slices.Contains(report.Kinds, kind) {
		webauth.Error(w, http.StatusNotFound, "unknown_report", fmt.Sprintf("no report %q (want one of %s)", kind, strings.Join(report.Kinds, ", ")))
		return
	}
	q := r.URL.Query()
	for k, v := range q {
		if !slices.Contains(params, k) {
			badParam(w, k, fmt.Sprintf("unknown parameter (want %s)", strings.Join(params, ", ")))
			return
		}
		if len(v) > 1 {
			badParam(w, k, "given more than once")
			return
		}
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		badParam(w, "format", fmt.Sprintf("%q: want json or csv", format))
		return
	}
	req, err := report.ParseRequest(kind, report.Params{
		From: q.Get("from"), To: q.Get("to"), Interval: q.Get("interval"), SL: q.Get("sl"),
		ShortAbandon: q.Get("short_abandon"), Queue: q.Get("queue"), Agent: q.Get("agent"), TopBox: q.Get("top_box"),
	}, s.Now(), s.Loc)
	var pe *report.ParamError
	if errors.As(err, &pe) {
		badParam(w, strings.ReplaceAll(pe.Param, "-", "_"), pe.Msg)
		return
	} else if err != nil {
		webauth.Error(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	if req.Options.To.Sub(req.Options.From) > maxRange {
		badParam(w, "from", "range longer than 400 days")
		return
	}
	req.Teams = s.Teams()
	t, err := report.Run(r.Context(), s.St, req)
	if err != nil {
		s.Log.Error("report failed", "report", kind, "error", err)
		webauth.Error(w, http.StatusInternalServerError, "internal", "the report could not be computed")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_ = t.Write(w, "csv")
		return
	}
	interval := q.Get("interval")
	if interval == "" {
		interval = "1h"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(Response{Report: kind, From: req.Options.From, To: req.Options.To, Interval: interval, Rows: t.Records()})
}

func badParam(w http.ResponseWriter, param, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": "bad_param", "param": param, "message": msg})
}
