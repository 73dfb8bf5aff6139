package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// SippStats is what one SIPp run reports in its -trace_stat CSV: the
// cumulative counters of the last row and the peak of concurrent calls.
type SippStats struct {
	Created, Successful, Failed int
	Retransmissions             int
	PeakConcurrent              int
	Rows                        int
}

// FailureRatio is failed calls over calls created (0 when none).
func (s SippStats) FailureRatio() float64 {
	if s.Created == 0 {
		return 0
	}
	return float64(s.Failed) / float64(s.Created)
}

// ParseStatCSV reads SIPp's ';'-separated statistics file: a header row,
// then one row per -fd period and a final one at exit. Columns are found
// by name, so other SIPp versions' extra columns do not matter.
func ParseStatCSV(r io.Reader) (SippStats, error) {
	var st SippStats
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var col map[string]int
	need := []string{"TotalCallCreated", "CurrentCall", "SuccessfulCall(C)", "FailedCall(C)", "Retransmissions(C)"}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		f := strings.Split(line, ";")
		if col == nil {
			col = map[string]int{}
			for i, name := range f {
				col[strings.TrimSpace(name)] = i
			}
			for _, n := range need {
				if _, ok := col[n]; !ok {
					return st, fmt.Errorf("sipp stat csv: no column %q", n)
				}
			}
			continue
		}
		get := func(name string) (int, error) {
			i := col[name]
			if i >= len(f) {
				return 0, fmt.Errorf("sipp stat csv: row %d is short", st.Rows+1)
			}
			return strconv.Atoi(strings.TrimSpace(f[i]))
		}
		var vals [5]int
		for i, n := range need {
			v, err := get(n)
			if err != nil {
				return st, fmt.Errorf("sipp stat csv: %s: %w", n, err)
			}
			vals[i] = v
		}
		st.Rows++
		st.Created, st.Successful, st.Failed, st.Retransmissions = vals[0], vals[2], vals[3], vals[4]
		st.PeakConcurrent = max(st.PeakConcurrent, vals[1])
	}
	if err := sc.Err(); err != nil {
		return st, err
	}
	if col == nil {
		return st, fmt.Errorf("sipp stat csv: empty")
	}
	return st, nil
}

// RTT is one response-time sample: when it completed (ms since SIPp
// started) and how long it took (ms).
type RTT struct{ AtMS, MS float64 }

// RTTValues are the durations alone.
func RTTValues(rs []RTT) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.MS
	}
	return out
}

// ParseRTTCSV reads SIPp's -trace_rtt file ("Date_ms;response_time_ms;rtd_no")
// and returns the samples of the given rtd.
func ParseRTTCSV(r io.Reader, rtd int) ([]RTT, error) {
	var out []RTT
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if first {
			first = false
			if strings.HasPrefix(line, "Date_ms") {
				continue
			}
		}
		f := strings.Split(line, ";")
		if len(f) < 3 {
			return nil, fmt.Errorf("sipp rtt csv: bad row %q", line)
		}
		n, err := strconv.Atoi(strings.TrimSpace(f[2]))
		if err != nil {
			return nil, fmt.Errorf("sipp rtt csv: rtd %q: %w", f[2], err)
		}
		if n != rtd {
			continue
		}
		at, err1 := strconv.ParseFloat(strings.TrimSpace(f[0]), 64)
		v, err2 := strconv.ParseFloat(strings.TrimSpace(f[1]), 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("sipp rtt csv: bad row %q", line)
		}
		out = append(out, RTT{AtMS: at, MS: v})
	}
	return out, sc.Err()
}
