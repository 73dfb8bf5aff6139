package main

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
)

// A scripted server: greets, answers login and subscribe, sends two events.
func TestCTITailPrintsEvents(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		server, err := ln.Accept()
		if err != nil {
			return
		}
		defer server.Close()
		r := io.Reader(server)
		buf := make([]byte, 4096)
		_, _ = server.Write([]byte(`{"type":"hello","v":1,"server":"hotline"}` + "\n"))
		for _, reply := range []string{`{"type":"res","id":"1","ok":true}`, `{"type":"res","id":"2","ok":true}`} {
			if _, err := r.Read(buf); err != nil {
				return
			}
			_, _ = server.Write([]byte(reply + "\n"))
		}
		_, _ = server.Write([]byte(`{"type":"event","seq":7,"ts":"2026-11-22T10:00:00Z","event":"agent.offered","call_id":"c1","agent_id":"1002","queue":"support"}` + "\n"))
		_, _ = server.Write([]byte(`{"type":"event","seq":8,"ts":"2026-11-22T10:00:01Z","event":"call.ended","call_id":"c1","data":{"tier":"gold"}}` + "\n"))
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var out bytes.Buffer
	err = ctiTail(client, &out, "t", map[string]any{"type": "cmd", "id": "2", "cmd": "subscribe"})
	if err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("tail ended with %v, want the connection closed", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "agent.offered") || !strings.Contains(lines[0], "agent_id=1002") ||
		!strings.Contains(lines[1], `data={"tier":"gold"}`) {
		t.Fatalf("output:\n%s", out.String())
	}
}
