package itest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// ctiClient speaks Hotline's newline-delimited JSON CTI protocol.
type ctiClient struct {
	t      *testing.T
	conn   net.Conn
	r      *bufio.Reader
	next   int
	events chan map[string]any
	res    chan map[string]any
}

func dialCTI(t *testing.T, addr, token string) *ctiClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("cti dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &ctiClient{t: t, conn: conn, r: bufio.NewReader(conn), events: make(chan map[string]any, 1000), res: make(chan map[string]any, 10)}
	go func() {
		for {
			line, err := c.r.ReadBytes('\n')
			if err != nil {
				close(c.events)
				return
			}
			var m map[string]any
			if json.Unmarshal(line, &m) != nil {
				continue
			}
			switch m["type"] {
			case "event":
				c.events <- m
			case "res":
				c.res <- m
			}
		}
	}()
	if r := c.cmd(map[string]any{"cmd": "login", "token": token}); r["ok"] != true {
		t.Fatalf("cti login: %v", r)
	}
	return c
}

func (c *ctiClient) cmd(m map[string]any) map[string]any {
	c.t.Helper()
	c.next++
	m["type"], m["id"] = "cmd", fmt.Sprint(c.next)
	b, _ := json.Marshal(m)
	if _, err := c.conn.Write(append(b, '\n')); err != nil {
		c.t.Fatalf("cti write: %v", err)
	}
	select {
	case r := <-c.res:
		return r
	case <-time.After(5 * time.Second):
		c.t.Fatalf("no cti response to %v", m)
		return nil
	}
}

// A CRM subscribed to the CTI socket sees the call's life in order, with
// the digits and the agent, as a SIPp call goes through IVR and queue to a
// baresip agent.
func TestCTIEventsFollowTheCall(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	// A CRM's webhook receives the same events, signed.
	var hookMu sync.Mutex
	var hooked []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte("hook-secret"))
		mac.Write(body)
		if r.Header.Get("X-Hotline-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			t.Errorf("webhook signature does not match")
		}
		hookMu.Lock()
		hooked = append(hooked, r.Header.Get("X-Hotline-Event"))
		hookMu.Unlock()
	}))
	defer hook.Close()
	cfg := strings.Replace(testConfig("60s"), "cti:\n", fmt.Sprintf("cti:\n  webhooks:\n    - { url: %q, secret: hook-secret, kinds: [call.arrived, call.ended] }\n", hook.URL), 1)
	h := startHotline(t, cfg)
	crm := dialCTI(t, "127.0.0.1:17070", "crm-secret")
	if r := crm.cmd(map[string]any{"cmd": "subscribe", "kinds": []string{
		"call.arrived", "ivr.digits", "queue.joined", "agent.offered", "agent.connected", "call.ended",
	}}); r["ok"] != true {
		t.Fatalf("subscribe: %v", r)
	}
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, fmt.Sprintf("127.0.0.1:%d", sipPort), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "agent ready", func() bool { return strings.Contains(h.Output(), "agent=1002") })

	work := callerMedia(t, []pcapStep{{silenceMS: 1500}, {digit: '2'}, {silenceMS: 2000}})
	if out, err := runSIPp(t, work, "caller.xml", sippArgs("-d", "4000")...); err != nil {
		t.Fatalf("sipp: %v\n%s", err, tail(out, 2000))
	}
	want := []string{"call.arrived", "ivr.digits", "queue.joined", "agent.offered", "agent.connected", "call.ended"}
	var got []string
	var callID string
	var lastSeq float64
	deadline := time.After(10 * time.Second)
	for len(got) < len(want) {
		select {
		case e, ok := <-crm.events:
			if !ok {
				t.Fatalf("cti connection closed after %v", got)
			}
			kind := e["event"].(string)
			if seq := e["seq"].(float64); seq <= lastSeq {
				t.Errorf("seq %v after %v", seq, lastSeq)
			} else {
				lastSeq = seq
			}
			if callID == "" {
				callID, _ = e["call_id"].(string)
			}
			if e["call_id"] != callID {
				t.Errorf("%s for call %v, want %s", kind, e["call_id"], callID)
			}
			if e["ani"] != "sipp" || e["dnis"] != "5000" || e["trunk"] != "carrier" {
				t.Errorf("%s lacks the call context: ani=%v dnis=%v trunk=%v", kind, e["ani"], e["dnis"], e["trunk"])
			}
			switch kind {
			case "ivr.digits":
				if !strings.Contains(fmt.Sprint(e["digits"]), "2") {
					t.Errorf("ivr.digits carries %v", e["digits"])
				}
			case "agent.offered", "agent.connected":
				if e["agent_id"] != "1002" || e["queue"] != "support" {
					t.Errorf("%s: agent=%v queue=%v", kind, e["agent_id"], e["queue"])
				}
			}
			got = append(got, kind)
		case <-deadline:
			t.Fatalf("events so far %v, want %v", got, want)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", got, want)
	}
	waitFor(t, 5*time.Second, "webhook deliveries", func() bool {
		hookMu.Lock()
		defer hookMu.Unlock()
		return strings.Join(hooked, ",") == "call.arrived,call.ended"
	})
	// Prometheus sees the same call and the agent's state.
	waitFor(t, 5*time.Second, "metrics", func() bool {
		res, err := http.Get("http://127.0.0.1:18080/metrics")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		m := string(b)
		return strings.Contains(m, `hotline_events_total{kind="call.arrived"} 1`) &&
			strings.Contains(m, `hotline_events_total{kind="agent.connected"} 1`) &&
			strings.Contains(m, "hotline_calls_in_progress 0") &&
			strings.Contains(m, `hotline_agents{state="logged_out"} 2`) &&
			strings.Contains(m, `hotline_sip_responses_total{code="200"}`) &&
			strings.Contains(m, `hotline_sip_responses_total{code="401"}`) && // the agent's first REGISTER
			strings.Contains(m, "hotline_cti_clients 1") &&
			strings.Contains(m, "go_goroutines")
	})
}

// Agent state from the CTI socket changes routing: a supervisor sets the
// longest-idle agent not ready, and the call goes to the other one; then
// the reverse.
func TestCTIAgentStateChangesRouting(t *testing.T) {
	requirePeers(t, "sipp", "baresip")
	h := startHotline(t, testConfig("60s"))
	startAgent(t, "1002", "bob1002", agentSIP, agentCtl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "1002 ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=logged_out to=ready") })
	startAgent(t, "1003", "carol1003", agent2SIP, agent2Ctl, switchAddr(), agentTone(t, 1000))
	waitFor(t, 5*time.Second, "1003 ready", func() bool { return strings.Contains(h.Output(), "agent=1003 from=logged_out to=ready") })
	sup := dialCTI(t, "127.0.0.1:17070", "sup-secret")

	if r := sup.cmd(map[string]any{"cmd": "agent_not_ready", "agent": "1002", "reason": "break"}); r["ok"] != true {
		t.Fatalf("agent_not_ready: %v", r)
	}
	waitFor(t, 5*time.Second, "1002 not ready", func() bool { return strings.Contains(h.Output(), "agent=1002 from=ready to=not_ready reason=break") })
	startCaller(t, 0, "5550001", 3000).wait(t)
	waitFor(t, 5*time.Second, "first record", func() bool { return strings.Count(h.Output(), "call ended") >= 1 })
	if c := callsByANI(t, h.db)["5550001"]; c.AgentID != "1003" {
		t.Fatalf("with 1002 on break the call went to %q, want 1003", c.AgentID)
	}

	waitFor(t, 5*time.Second, "1003 back from wrap-up", func() bool { return strings.Contains(h.Output(), "agent=1003 from=wrap_up to=ready") })
	if r := sup.cmd(map[string]any{"cmd": "agent_not_ready", "agent": "1003", "reason": "meeting"}); r["ok"] != true {
		t.Fatalf("agent_not_ready 1003: %v", r)
	}
	if r := sup.cmd(map[string]any{"cmd": "agent_ready", "agent": "1002"}); r["ok"] != true {
		t.Fatalf("agent_ready: %v", r)
	}
	waitFor(t, 5*time.Second, "1002 ready again", func() bool { return strings.Contains(h.Output(), "agent=1002 from=not_ready to=ready") })
	startCaller(t, 1, "5550002", 3000).wait(t)
	waitFor(t, 5*time.Second, "second record", func() bool { return strings.Count(h.Output(), "call ended") >= 2 })
	if c := callsByANI(t, h.db)["5550002"]; c.AgentID != "1002" {
		t.Fatalf("with 1003 in a meeting the call went to %q, want 1002", c.AgentID)
	}
	if r := sup.cmd(map[string]any{"cmd": "agent_ready", "agent": "9999"}); r["ok"] != false {
		t.Errorf("an unknown agent was accepted: %v", r)
	}
}

// With a certificate configured the CTI socket speaks TLS: a client that
// trusts the certificate logs in; a plain-text client gets nowhere. The
// HTTP listener likewise serves HTTPS only.
func TestCTIOverTLS(t *testing.T) {
	dir := t.TempDir()
	pool := writeCert(t, dir, "cti")
	cfg := strings.Replace(testConfig("60s"), "cti:\n", "cti:\n  cert_file: cti.crt\n  key_file: cti.key\n", 1)
	cfg = strings.Replace(cfg, `http: { addr: "127.0.0.1:18080" }`, `http: { addr: "127.0.0.1:18080", cert_file: cti.crt, key_file: cti.key }`, 1)
	startHotlineIn(t, dir, cfg)
	// The HTTP listener (metrics, health, CTI WebSocket) speaks HTTPS.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	if res, err := hc.Get("https://127.0.0.1:18080/healthz"); err != nil || res.StatusCode != 200 {
		t.Errorf("https /healthz: %v", err)
	} else {
		res.Body.Close()
	}
	if res, err := http.Get("http://127.0.0.1:18080/healthz"); err == nil && res.StatusCode == 200 {
		res.Body.Close()
		t.Error("plain HTTP answered on the TLS listener")
	}
	conn, err := tls.Dial("tcp", "127.0.0.1:17070", &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("tls dial: %v", err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	hello, err := r.ReadString('\n')
	if err != nil || !strings.Contains(hello, `"hello"`) {
		t.Fatalf("hello over TLS: %q %v", hello, err)
	}
	fmt.Fprintln(conn, `{"type":"cmd","id":"1","cmd":"login","token":"crm-secret"}`)
	if res, _ := r.ReadString('\n'); !strings.Contains(res, `"ok":true`) {
		t.Fatalf("login over TLS: %s", res)
	}
	plain, err := net.DialTimeout("tcp", "127.0.0.1:17070", time.Second)
	if err == nil {
		defer plain.Close()
		_ = plain.SetDeadline(time.Now().Add(2 * time.Second))
		if line, _ := bufio.NewReader(plain).ReadString('\n'); strings.Contains(line, "hello") {
			t.Fatal("a plain-text client got the greeting from a TLS socket")
		}
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 as
// dir/<name>.crt and dir/<name>.key and returns a pool trusting it.
func writeCert(t *testing.T, dir, name string) *x509.CertPool {
	t.Helper()
	certPEM, keyPEM, pool := selfSigned(t)
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".key"), keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return pool
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hotline test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), pool
}
