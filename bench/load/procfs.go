package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Readings from /proc: CPU time and RSS of a process, and the UDP counters
// of the network namespace the benchmark runs in (only its own traffic).

const clockTicks = 100 // USER_HZ on Linux

// ProcStat is a process's CPU time and resident set from /proc/<pid>/stat.
type ProcStat struct {
	CPUSeconds float64 // utime + stime
	RSSPages   int64
}

// ParseProcStat reads one /proc/<pid>/stat line. The command name may hold
// spaces and parentheses, so fields are counted after the last ')'.
func ParseProcStat(s string) (ProcStat, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ProcStat{}, fmt.Errorf("proc stat: no command field")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): utime is field 14, stime 15, rss 24.
	if len(f) < 22 {
		return ProcStat{}, fmt.Errorf("proc stat: %d fields", len(f)+2)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	rss, err3 := strconv.ParseInt(f[21], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return ProcStat{}, fmt.Errorf("proc stat: bad numbers")
	}
	return ProcStat{CPUSeconds: float64(ut+st) / clockTicks, RSSPages: rss}, nil
}

func readProcStat(pid int) (ProcStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ProcStat{}, err
	}
	return ParseProcStat(string(b))
}

// ParseSNMPUdp returns the "Udp:" counters of /proc/net/snmp by name.
func ParseSNMPUdp(r io.Reader) (map[string]int64, error) {
	sc := bufio.NewScanner(r)
	var names []string
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f[1:]
			continue
		}
		out := map[string]int64{}
		for i, v := range f[1:] {
			if i < len(names) {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("snmp: %s=%q", names[i], v)
				}
				out[names[i]] = n
			}
		}
		return out, nil
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("snmp: no Udp counters")
}

// UDPCounters are the namespace's UDP totals that matter for loss.
type UDPCounters struct {
	InDatagrams, RcvbufErrors, SndbufErrors, InErrors int64
}

func readUDPCounters() (UDPCounters, error) {
	f, err := os.Open("/proc/net/snmp")
	if err != nil {
		return UDPCounters{}, err
	}
	defer f.Close()
	m, err := ParseSNMPUdp(f)
	if err != nil {
		return UDPCounters{}, err
	}
	return UDPCounters{InDatagrams: m["InDatagrams"], RcvbufErrors: m["RcvbufErrors"], SndbufErrors: m["SndbufErrors"], InErrors: m["InErrors"]}, nil
}

// Sub is c - o.
func (c UDPCounters) Sub(o UDPCounters) UDPCounters {
	return UDPCounters{c.InDatagrams - o.InDatagrams, c.RcvbufErrors - o.RcvbufErrors, c.SndbufErrors - o.SndbufErrors, c.InErrors - o.InErrors}
}

// Dropped is every datagram the kernel lost on the way in or out.
func (c UDPCounters) Dropped() int64 { return c.RcvbufErrors + c.SndbufErrors + c.InErrors }

// ParsePromText reads Prometheus text exposition into "name{labels}" ->
// value; comments and malformed lines are skipped.
func ParsePromText(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[strings.TrimSpace(line[:i])] = v
	}
	return out, sc.Err()
}

// UDPSocket is one row of /proc/net/udp.
type UDPSocket struct {
	Port  int
	Drops int64
}

// ParseProcNetUDP returns the sockets of /proc/net/udp by inode: local port
// and the datagrams the kernel dropped for them (a full receive buffer).
func ParseProcNetUDP(r io.Reader) (map[string]UDPSocket, error) {
	out := map[string]UDPSocket{}
	sc := bufio.NewScanner(r)
	header := true
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if header {
			header = false
			continue
		}
		if len(f) < 13 {
			continue
		}
		_, portHex, ok := strings.Cut(f[1], ":")
		if !ok {
			return nil, fmt.Errorf("proc net udp: address %q", f[1])
		}
		port, err1 := strconv.ParseInt(portHex, 16, 32)
		drops, err2 := strconv.ParseInt(f[len(f)-1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("proc net udp: bad row %q", sc.Text())
		}
		out[f[9]] = UDPSocket{Port: int(port), Drops: drops}
	}
	return out, sc.Err()
}

func readUDPSockets() map[string]UDPSocket {
	f, err := os.Open("/proc/net/udp")
	if err != nil {
		return nil
	}
	defer f.Close()
	m, _ := ParseProcNetUDP(f)
	return m
}

// SocketDropsByPort sums, per local port, the drops that happened between
// two readings on sockets alive at the second one, except on ports skip
// matches (sinks nobody reads); ports without drops are left out.
func SocketDropsByPort(before, after map[string]UDPSocket, skip func(port int) bool) map[int]int64 {
	out := map[int]int64{}
	for inode, s := range after {
		if skip != nil && skip(s.Port) {
			continue
		}
		if d := s.Drops - before[inode].Drops; d != 0 {
			out[s.Port] += d
		}
	}
	return out
}
