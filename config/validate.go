package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotline/hotline/prompts"
)

// ErrFlow wraps problems reported by the IVR flow validator.
var ErrFlow = errors.New("invalid flow")

// validator runs the semantic checks on a decoded Config, locating each
// problem's line through the YAML tree.
type validator struct {
	cfg   *Config
	root  *yaml.Node
	file  string
	probs Errors
	wavs  map[string]error // prompt file ref -> check result
	// broken holds paths whose decoding already failed, so that a value left
	// at its zero or default does not earn a second, misleading problem.
	broken []string
}

// at builds a key path from names and list indexes.
func at(segs ...any) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = fmt.Sprint(s)
	}
	return out
}

func (v *validator) add(path []string, kind error, format string, args ...any) {
	if len(v.probs) > maxProblems {
		return
	}
	if len(v.probs) == maxProblems {
		format, args, kind = "too many problems; stopping here", nil, ErrInvalid
	}
	n, p := locate(v.root, path...)
	for _, b := range v.broken {
		if rest, ok := strings.CutPrefix(string(p), b); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			return
		}
	}
	pr := Problem{File: v.file, Path: string(p), Message: fmt.Sprintf(format, args...), Err: kind}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	v.probs = append(v.probs, pr)
}

// line is where path is written, for "first on line N" notes.
func (v *validator) line(path ...any) int {
	n, _ := locate(v.root, at(path...)...)
	if n == nil {
		return 0
	}
	return n.Line
}

func (v *validator) run() {
	for _, p := range v.probs {
		if p.Err != ErrUnknownKey && p.Path != "" {
			v.broken = append(v.broken, p.Path)
		}
	}
	v.server()
	v.webrtc()
	v.agents()
	v.queues()
	v.trunks()
	v.dialRules()
	v.webhooks()
	v.cti()
	v.flows()
	v.alerts()
}

func (v *validator) server() {
	s := v.cfg.Server
	for i, l := range s.SIP.Listen {
		switch l.Transport {
		case "udp", "tcp":
			if l.CertFile != "" || l.KeyFile != "" {
				v.add(at("server", "sip", "listen", i, "cert_file"), ErrInvalid, "cert_file and key_file are for tls listeners")
			}
		case "tls":
			for _, f := range [][2]string{{"cert_file", l.CertFile}, {"key_file", l.KeyFile}} {
				if f[1] == "" {
					v.add(at("server", "sip", "listen", i, f[0]), ErrRequired, "a tls listener needs %s", f[0])
				} else if _, err := statFile(v.cfg.promptPath(f[1])); err != nil {
					v.add(at("server", "sip", "listen", i, f[0]), ErrReference, "file %q not found", f[1])
				}
			}
		default:
			v.add(at("server", "sip", "listen", i, "transport"), ErrInvalid, "unknown transport %q (want udp, tcp or tls)", l.Transport)
		}
		v.hostPort(at("server", "sip", "listen", i, "addr"), l.Addr)
	}
	if f := s.SIP.CAFile; f != "" {
		if _, err := statFile(v.cfg.promptPath(f)); err != nil {
			v.add(at("server", "sip", "ca_file"), ErrReference, "file %q not found", f)
		}
	}
	if s.SIP.MinSE.D() < time.Second {
		v.add(at("server", "sip", "min_se"), ErrInvalid, "min_se must be at least 1s (RFC 4028 asks for 90s)")
	}
	if e := s.SIP.SessionExpires.D(); e != 0 && e < s.SIP.MinSE.D() {
		v.add(at("server", "sip", "session_expires"), ErrInvalid, "session_expires %v is below min_se %v", e, s.SIP.MinSE.D())
	}
	if s.SIP.PublicIP != "" {
		if _, err := netip.ParseAddr(s.SIP.PublicIP); err != nil {
			v.add(at("server", "sip", "public_ip"), ErrInvalid, "%q is not an IP address", s.SIP.PublicIP)
		}
	}
	if _, err := netip.ParseAddr(s.RTP.IP); err != nil {
		v.add(at("server", "rtp", "ip"), ErrInvalid, "%q is not an IP address", s.RTP.IP)
	}
	lo, hi := s.RTP.PortMin, s.RTP.PortMax
	if lo < 1024 || lo > 65535 {
		v.add(at("server", "rtp", "port_min"), ErrInvalid, "port_min %d is outside 1024–65535", lo)
	} else if lo%2 != 0 {
		v.add(at("server", "rtp", "port_min"), ErrInvalid, "port_min %d must be even (RTP uses even ports, RTCP the odd one above)", lo)
	}
	if hi < 1024 || hi > 65535 {
		v.add(at("server", "rtp", "port_max"), ErrInvalid, "port_max %d is outside 1024–65535", hi)
	} else if hi <= lo {
		v.add(at("server", "rtp", "port_max"), ErrInvalid, "port_max %d must be greater than port_min %d", hi, lo)
	}
	if t1 := s.SIP.T1.D(); t1 < 50*time.Millisecond || t1 > 5*time.Second {
		v.add(at("server", "sip", "t1"), ErrInvalid, "t1 %s must be between 50ms and 5s", t1)
	}
	if s.SIP.RatePerSource < 1 {
		v.add(at("server", "sip", "rate_per_source"), ErrInvalid, "rate_per_source must be at least 1")
	}
	if s.SIP.CallsPerSecond < 0 {
		v.add(at("server", "sip", "calls_per_second"), ErrInvalid, "calls_per_second may not be negative (0 means no cap)")
	}
	if s.MaxCalls < 0 {
		v.add(at("server", "max_calls"), ErrInvalid, "max_calls may not be negative (0 means no cap)")
	}
	if s.SIP.BanAfter < 1 {
		v.add(at("server", "sip", "ban_after"), ErrInvalid, "ban_after must be at least 1")
	}
	for i, a := range s.SIP.BanAllow {
		if _, err := netip.ParsePrefix(a); err != nil {
			if _, err := netip.ParseAddr(a); err != nil {
				v.add(at("server", "sip", "ban_allow", i), ErrInvalid, "%q is not an IP address or CIDR", a)
			}
		}
	}
	if d := s.RTP.Timeout.D(); d < 5*time.Second || d > time.Hour {
		v.add(at("server", "rtp", "timeout"), ErrInvalid, "timeout %s is outside 5s–1h", d)
	}
	v.hostPort(at("server", "http", "addr"), s.HTTP.Addr)
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, s.LogLevel) {
		v.add(at("server", "log_level"), ErrInvalid, "unknown log level %q (want debug, info, warn or error)", s.LogLevel)
	}
}

var hostname = func(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// hostPort checks a listen address: optional IP or host name, port 1–65535.
func (v *validator) hostPort(path []string, addr string) (host string, ok bool) {
	if addr == "" {
		v.add(path, ErrRequired, "address is required (host:port)")
		return "", false
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		v.add(path, ErrInvalid, "%q is not host:port", addr)
		return "", false
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		v.add(path, ErrInvalid, "%q: port must be 1–65535", addr)
		return "", false
	}
	if _, err := netip.ParseAddr(host); err != nil && host != "" && !hostname(host) {
		v.add(path, ErrInvalid, "%q: bad host %q", addr, host)
		return "", false
	}
	return host, true
}

// unique reports names used twice in a list; key renders the name's key.
func (v *validator) unique(list string, what string, key string, names []string) {
	first := map[string]int{}
	for i, n := range names {
		if n == "" {
			v.add(at(list, i, key), ErrRequired, "%s is required", what)
			continue
		}
		if j, dup := first[n]; dup {
			v.add(at(list, i, key), ErrDuplicate, "duplicate %s %q (first on line %d)", what, n, v.line(list, j, key))
			continue
		}
		first[n] = i
	}
}

func (v *validator) skills(path []string, skills map[string]int) {
	for _, name := range sortedKeys(skills) {
		if lvl := skills[name]; lvl < 1 || lvl > 10 {
			v.add(append(path, name), ErrInvalid, "skill level %d is outside 1–10", lvl)
		}
	}
}

func (v *validator) agents() {
	ids := make([]string, len(v.cfg.Agents))
	for i, a := range v.cfg.Agents {
		ids[i] = a.ID
		if a.ID != "" && strings.ContainsAny(a.ID, " \t:@") {
			v.add(at("agents", i, "id"), ErrInvalid, "agent id %q may not contain spaces, ':' or '@'", a.ID)
		}
		if a.Password == "" {
			v.add(at("agents", i, "password"), ErrRequired, "password is required (agents register with SIP digest)")
		}
		v.skills(at("agents", i, "skills"), a.Skills)
		if a.Role != "" && a.Role != AgentRoleAgent && a.Role != AgentRoleSupervisor {
			v.add(at("agents", i, "role"), ErrInvalid, "unknown agent role %q (want agent or supervisor)", a.Role)
		}
	}
	v.unique("agents", "agent id", "id", ids)
	for i, e := range v.cfg.Extensions {
		p := at("extensions", i)
		switch {
		case e.Number == "":
			v.add(append(p, "number"), ErrRequired, "number is required (the extension's SIP username)")
		case strings.ContainsAny(e.Number, " \t:@"):
			v.add(append(p, "number"), ErrInvalid, "extension %q may not contain spaces, ':' or '@'", e.Number)
		case v.agentExists(e.Number):
			v.add(append(p, "number"), ErrDuplicate, "extension %q is also an agent id", e.Number)
		}
		if e.Password == "" {
			v.add(append(p, "password"), ErrRequired, "password is required (extensions register with SIP digest)")
		}
	}
	nums := make([]string, len(v.cfg.Extensions))
	for i, e := range v.cfg.Extensions {
		nums[i] = e.Number
	}
	v.unique("extensions", "extension", "number", nums)
}

func (v *validator) extensionExists(n string) bool {
	return slices.ContainsFunc(v.cfg.Extensions, func(e Extension) bool { return e.Number == n })
}

// externalAllowed: some dial rule lets flow call number through a trunk.
func (v *validator) externalAllowed(flow, number string) bool {
	return slices.ContainsFunc(v.cfg.DialRules, func(r DialRule) bool { return r.AllowsDial("", flow, number) })
}

func (v *validator) queueExists(name string) bool {
	return slices.ContainsFunc(v.cfg.Queues, func(q Queue) bool { return q.Name == name })
}

func (v *validator) agentExists(id string) bool {
	return slices.ContainsFunc(v.cfg.Agents, func(a Agent) bool { return a.ID == id })
}

func (v *validator) flowExists(name string) bool { _, ok := v.cfg.Flows[name]; return ok && name != "" }

func (v *validator) queues() {
	names := make([]string, len(v.cfg.Queues))
	for i, q := range v.cfg.Queues {
		names[i] = q.Name
		v.skills(at("queues", i, "skills"), q.Skills)
		if !slices.Contains(Strategies, q.Strategy) {
			v.add(at("queues", i, "strategy"), ErrInvalid, "unknown strategy %q (want one of %s)", q.Strategy, strings.Join(Strategies, ", "))
		}
		for key, d := range map[string]Duration{"ring_timeout": q.RingTimeout, "wrap_up": q.WrapUp, "max_wait": q.MaxWait, "announce_every": q.AnnounceEvery} {
			if d < 0 {
				v.add(at("queues", i, key), ErrInvalid, "duration may not be negative")
			}
		}
		if q.MaxLen < 0 {
			v.add(at("queues", i, "max_len"), ErrInvalid, "max_len may not be negative")
		}
		if q.NoAnswerLimit < 0 {
			v.add(at("queues", i, "no_answer_limit"), ErrInvalid, "no_answer_limit may not be negative")
		}
		v.prompt(at("queues", i, "moh"), "en", q.MOH)
		for j, r := range q.VIP {
			if (r.Prefix == "") == (len(r.Numbers) == 0) {
				v.add(at("queues", i, "vip", j), ErrInvalid, "a VIP rule needs exactly one of prefix or numbers")
			}
		}
		for j, o := range q.Overflow {
			p := at("queues", i, "overflow", j)
			if o.After <= 0 {
				v.add(append(p, "after"), ErrRequired, "after must be a positive duration")
			}
			if o.LowerMin < 0 {
				v.add(append(p, "lower_min"), ErrInvalid, "lower_min may not be negative")
			}
			v.skills(append(p, "add_skills"), o.AddSkills)
			switch {
			case o.ToQueue != "" && o.ToFlow != "":
				v.add(p, ErrInvalid, "an overflow rule may set to_queue or to_flow, not both")
			case o.ToQueue == q.Name && o.ToQueue != "":
				v.add(append(p, "to_queue"), ErrInvalid, "queue %q overflows to itself", q.Name)
			case o.ToQueue != "" && !v.queueExists(o.ToQueue):
				v.add(append(p, "to_queue"), ErrReference, "no queue named %q", o.ToQueue)
			case o.ToFlow != "" && !v.flowExists(o.ToFlow):
				v.add(append(p, "to_flow"), ErrReference, "no flow named %q", o.ToFlow)
			}
		}
		if q.CallbackKey != "" {
			if len(q.CallbackKey) != 1 || !strings.Contains("0123456789*#", q.CallbackKey) {
				v.add(at("queues", i, "callback_key"), ErrInvalid, "callback key %q is not a single DTMF digit", q.CallbackKey)
			}
			if _, clash := q.ExitKeys[q.CallbackKey]; clash {
				v.add(at("queues", i, "callback_key"), ErrInvalid, "callback key %q is also an exit key", q.CallbackKey)
			}
			ok := false
			for _, t := range v.cfg.Trunks {
				ok = ok || (t.Name == q.CallbackTrunk && t.Outbound != nil)
			}
			if !ok {
				v.add(at("queues", i, "callback_trunk"), ErrReference, "callback_key needs callback_trunk naming a trunk with outbound")
			}
		}
		if q.Survey != "" && !v.flowExists(q.Survey) {
			v.add(at("queues", i, "survey"), ErrReference, "no flow named %q", q.Survey)
		}
		for _, k := range sortedKeys(q.ExitKeys) {
			if len(k) != 1 || !strings.Contains("0123456789*#", k) {
				v.add(at("queues", i, "exit_keys", k), ErrInvalid, "exit key %q is not a single DTMF digit (0-9, *, #)", k)
			}
			if f := q.ExitKeys[k]; !v.flowExists(f) {
				v.add(at("queues", i, "exit_keys", k), ErrReference, "no flow named %q", f)
			}
		}
	}
	v.unique("queues", "queue name", "name", names)
}

func (v *validator) webhooks() {
	for i, h := range v.cfg.CTI.Webhooks {
		if u, err := url.Parse(h.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add(at("cti", "webhooks", i, "url"), ErrInvalid, "%q is not an http(s) URL", h.URL)
		}
		if h.Secret == "" {
			v.add(at("cti", "webhooks", i, "secret"), ErrRequired, "a webhook needs a secret to sign its events")
		}
	}
}

func (v *validator) dialRules() {
	for i, r := range v.cfg.DialRules {
		p := at("dial_rules", i)
		if _, err := regexp.Compile(r.Pattern); r.Pattern == "" || err != nil {
			v.add(append(p, "pattern"), ErrInvalid, "pattern %q is not a regular expression", r.Pattern)
		}
		var tr *Trunk
		for j := range v.cfg.Trunks {
			if v.cfg.Trunks[j].Name == r.Trunk {
				tr = &v.cfg.Trunks[j]
			}
		}
		switch {
		case tr == nil:
			v.add(append(p, "trunk"), ErrReference, "no trunk named %q", r.Trunk)
		case tr.Outbound == nil:
			v.add(append(p, "trunk"), ErrInvalid, "trunk %q has no outbound section", r.Trunk)
		}
		if len(r.Agents) == 0 && len(r.Flows) == 0 {
			v.add(append(p, "agents"), ErrRequired, "list the agents or flows (or \"*\") this rule allows")
		}
		for j, f := range r.Flows {
			if f != "*" && !v.flowExists(f) {
				v.add(at("dial_rules", i, "flows", j), ErrReference, "no flow named %q", f)
			}
		}
		for j, a := range r.Agents {
			if a != "*" && !v.agentExists(a) {
				v.add(at("dial_rules", i, "agents", j), ErrReference, "no agent with id %q", a)
			}
		}
		if r.MaxConcurrent < 0 {
			v.add(append(p, "max_concurrent"), ErrInvalid, "max_concurrent may not be negative")
		}
	}
	ol := v.cfg.OutboundLimits
	for key, n := range map[string]int{"max_concurrent": ol.MaxConcurrent, "per_minute": ol.PerMinute,
		"agent_max_concurrent": ol.AgentMaxConcurrent, "agent_per_minute": ol.AgentPerMinute} {
		if n < 0 {
			v.add(at("outbound_limits", key), ErrInvalid, "%s may not be negative (0 means no cap)", key)
		}
	}
	for i, t := range v.cfg.Trunks {
		if t.MaxCalls < 0 {
			v.add(at("trunks", i, "max_calls"), ErrInvalid, "max_calls may not be negative (0 means no cap)")
		}
		if o := t.Outbound; o != nil {
			v.hostPort(at("trunks", i, "outbound", "addr"), o.Addr)
			if o.CallerID == "" {
				v.add(at("trunks", i, "outbound", "caller_id"), ErrRequired, "caller_id is required for outbound calls")
			}
			if o.Transport == "tls" && !slices.ContainsFunc(v.cfg.Server.SIP.Listen, func(l Listen) bool { return l.Transport == "tls" }) {
				// The carrier's in-dialog requests come back to our Contact.
				v.add(at("trunks", i, "outbound", "transport"), ErrInvalid, "an outbound trunk over tls needs a tls listener in server.sip.listen")
			}
			if o.Transport != "" && o.Transport != "udp" && o.Transport != "tcp" && o.Transport != "tls" {
				v.add(at("trunks", i, "outbound", "transport"), ErrInvalid, "transport %q (want udp, tcp or tls)", o.Transport)
			}
		}
	}
}

func (v *validator) trunks() {
	names := make([]string, len(v.cfg.Trunks))
	for i, t := range v.cfg.Trunks {
		names[i] = t.Name
		for j, s := range t.Sources {
			if _, err := netip.ParsePrefix(s); err != nil {
				if _, err := netip.ParseAddr(s); err != nil {
					v.add(at("trunks", i, "sources", j), ErrInvalid, "%q is not an IP address or CIDR", s)
				}
			}
		}
		if len(t.Sources) == 0 && t.Username == "" {
			v.add(at("trunks", i), ErrRequired, "trunk %q needs sources or username/password, or anyone could send calls", t.Name)
		}
		if (t.Username == "") != (t.Password == "") {
			v.add(at("trunks", i, "password"), ErrRequired, "username and password go together")
		}
		seen := map[string]int{}
		for j, r := range t.Routes {
			p := at("trunks", i, "routes", j)
			if r.Number == "" {
				v.add(append(p, "number"), ErrRequired, "number is required (\"*\" matches any)")
			} else if k, dup := seen[r.Number]; dup {
				v.add(append(p, "number"), ErrDuplicate, "duplicate route for %q (first on line %d)", r.Number, v.line("trunks", i, "routes", k, "number"))
			} else if _, any := seen["*"]; any {
				v.add(append(p, "number"), ErrInvalid, "route is never used: a \"*\" route comes before it")
			}
			seen[r.Number] = j
			switch {
			case (r.Flow == "") == (r.Queue == ""):
				v.add(p, ErrInvalid, "a route needs exactly one of flow or queue")
			case r.Flow != "" && !v.flowExists(r.Flow):
				v.add(append(p, "flow"), ErrReference, "no flow named %q", r.Flow)
			case r.Queue != "" && !v.queueExists(r.Queue):
				v.add(append(p, "queue"), ErrReference, "no queue named %q", r.Queue)
			}
		}
	}
	v.unique("trunks", "trunk name", "name", names)
}

func (v *validator) certPair(path []string, cert, key string) {
	if (cert == "") != (key == "") {
		v.add(append(append([]string(nil), path...), "key_file"), ErrRequired, "cert_file and key_file go together")
	}
	for _, f := range [][2]string{{"cert_file", cert}, {"key_file", key}} {
		if f[1] != "" {
			if _, err := statFile(v.cfg.promptPath(f[1])); err != nil {
				v.add(append(append([]string(nil), path...), f[0]), ErrReference, "file %q not found", f[1])
			}
		}
	}
}

func (v *validator) cti() {
	v.certPair(at("server", "http"), v.cfg.Server.HTTP.CertFile, v.cfg.Server.HTTP.KeyFile)
	c := v.cfg.CTI
	if host, ok := v.hostPort(at("cti", "listen"), c.Listen); ok && !c.AllowRemotePlain && c.CertFile == "" && !loopback(host) {
		v.add(at("cti", "listen"), ErrInvalid, "%q is reachable from other hosts: set cert_file/key_file, or allow_remote_plain: true", c.Listen)
	}
	v.certPair(at("cti"), c.CertFile, c.KeyFile)
	seen := map[string]int{}
	for i, t := range c.Tokens {
		if t.Token == "" {
			v.add(at("cti", "tokens", i, "token"), ErrRequired, "token is required")
		} else if j, dup := seen[t.Token]; dup {
			v.add(at("cti", "tokens", i, "token"), ErrDuplicate, "token repeated (first on line %d)", v.line("cti", "tokens", j, "token"))
		} else {
			seen[t.Token] = i
		}
		switch id, isAgent := strings.CutPrefix(t.Role, "agent:"); {
		case slices.Contains([]string{"crm", "supervisor", "admin"}, t.Role):
		case isAgent && v.agentExists(id):
		case isAgent:
			v.add(at("cti", "tokens", i, "role"), ErrReference, "no agent with id %q", id)
		default:
			v.add(at("cti", "tokens", i, "role"), ErrInvalid, "unknown role %q (want crm, supervisor, admin or agent:<id>)", t.Role)
		}
	}
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// promptErr says why a prompt reference does not resolve, or nil.
func (v *validator) promptErr(lang, ref string) error {
	if ref == "" {
		return errors.New("empty prompt reference")
	}
	if !isFileRef(ref) {
		if !promptExists(lang, ref) {
			return fmt.Errorf("no built-in prompt %q in language %q (file prompts end in .wav)", ref, lang)
		}
		return nil
	}
	if v.wavs == nil {
		v.wavs = map[string]error{}
	}
	if err, done := v.wavs[ref]; done {
		return err
	}
	err := checkWAV(v.cfg.promptPath(ref))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = fmt.Errorf("prompt file %q not found", ref)
	case errors.Is(err, errNotWAV):
		err = fmt.Errorf("prompt file %q: %v", ref, err)
	case err != nil:
		err = fmt.Errorf("prompt file %q: %v", ref, err)
	}
	v.wavs[ref] = err
	return err
}

func (v *validator) prompt(path []string, lang, ref string) {
	if err := v.promptErr(lang, ref); err != nil {
		v.add(path, ErrPrompt, "%v", err)
	}
}

func (v *validator) flows() {
	env := flowEnv{
		QueueExists: v.queueExists,
		AgentExists: v.agentExists,
		ExtExists:   v.extensionExists,
		ExtAllowed:  v.externalAllowed,
		FlowCanDial: func(f string) bool {
			return slices.ContainsFunc(v.cfg.DialRules, func(r DialRule) bool {
				return slices.Contains(r.Flows, f) || slices.Contains(r.Flows, "*")
			})
		},
		CanCallBack: func(q string) bool {
			return slices.ContainsFunc(v.cfg.Queues, func(x Queue) bool { return x.Name == q && x.CallbackTrunk != "" })
		},
		PromptExists: func(lang, ref string) bool { return v.promptErr(lang, ref) == nil },
		PromptErr:    v.promptErr,
		Languages:    prompts.Languages,
	}
	for _, p := range validateFlows(v.cfg.Flows, env) {
		v.add(append([]string{"flows"}, p.Path...), ErrFlow, "%s", p.Msg)
	}
}
