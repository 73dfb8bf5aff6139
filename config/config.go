// Package config loads Hotline's YAML configuration strictly: the file is
// decoded by walking the YAML node tree so that every unknown key, wrong
// type, duplicate and dangling reference is reported at once, each with its
// file, line, column and key path.
package config

import (
	_ "embed"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotline/hotline/ivr"
)

// Duration is written as "15s", "5m" or a bare number of seconds.
type Duration = ivr.Duration

// Config is a whole Hotline configuration.
type Config struct {
	Server ServerConfig `yaml:"server"`
	Trunks []Trunk      `yaml:"trunks"`
	Agents []Agent      `yaml:"agents"`
	// Extensions are desk phones that are not ACD agents (reception, back
	// office): they register like agents and IVR flows can transfer to them.
	Extensions []Extension          `yaml:"extensions"`
	Queues     []Queue              `yaml:"queues"`
	Flows      map[string]*ivr.Flow `yaml:"flows"`
	// DialRules are the only way a call leaves through a trunk (toll-fraud
	// guard): who may dial which numbers, through which trunk.
	DialRules []DialRule `yaml:"dial_rules"`
	// OutboundLimits cap calls leaving through trunks beyond the dial rules.
	OutboundLimits OutboundLimits `yaml:"outbound_limits"`
	CTI            CTIConfig      `yaml:"cti"`
	Wallboard      Wallboard      `yaml:"wallboard"` // live board and threshold alerts (alerts.go)
	BaseDir        string         `yaml:"-"`         // directory of the file; "" for the embedded default
}

// ServerConfig is the `server` section.
type ServerConfig struct {
	SIP      SIPConfig  `yaml:"sip"`
	RTP      RTPConfig  `yaml:"rtp"`
	HTTP     HTTPConfig `yaml:"http"`
	Database string     `yaml:"database"` // default ./hotline.db (relative to the working directory)
	// Recordings is where call recordings go (stereo WAV: caller left,
	// agent right), one folder per day; default ./recordings.
	Recordings string `yaml:"recordings"`
	// RecordingsRetention deletes call recordings and voicemail older than
	// this (e.g. 90d); 0 keeps them for ever.
	RecordingsRetention Duration `yaml:"recordings_retention"`
	LogLevel            string   `yaml:"log_level"` // debug|info|warn|error; default info
	// MaxCalls caps the inbound calls up at once in the whole switch, all
	// trunks together (each trunk also has its own max_calls): beyond it
	// new callers get 503 with Retry-After; 0 = no cap (default).
	MaxCalls int `yaml:"max_calls"`

	WebRTC WebRTCConfig `yaml:"webrtc"` // browser agents
}

// SIPConfig is `server.sip`.
type SIPConfig struct {
	Listen   []Listen `yaml:"listen"`    // default [{udp, 0.0.0.0:5060}]
	Realm    string   `yaml:"realm"`     // digest realm for agent REGISTER; default hotline
	PublicIP string   `yaml:"public_ip"` // address in Contact and SDP; default rtp.ip unless that is 0.0.0.0
	// BanAfter authentication failures from one address within a minute ban
	// it for BanFor (default 5 and 5m); BanAllow (IPs/CIDRs) is never banned.
	BanAfter int      `yaml:"ban_after"`
	BanFor   Duration `yaml:"ban_for"`
	BanAllow []string `yaml:"ban_allow"`
	// RatePerSource caps new INVITEs and REGISTERs per second from one
	// address (excess: 503 Retry-After); default 50, 0 after defaults is
	// impossible: write a large number to lift it.
	RatePerSource int `yaml:"rate_per_source"`
	// CallsPerSecond caps new INVITEs per second from all addresses
	// together: the overload guard against a flood spread over many
	// sources, which rate_per_source cannot see (excess: 503 Retry-After,
	// established calls untouched); 0 = no cap (default). A reload applies
	// it, as it does rate_per_source.
	CallsPerSecond int `yaml:"calls_per_second"`
	// SessionExpires is the session-timer interval (RFC 4028) proposed to
	// callers that support timers but ask for none; default 30m, 0 never
	// proposes. MinSE is the shortest interval accepted (422 below it);
	// default 90s, the RFC's floor.
	SessionExpires Duration `yaml:"session_expires"`
	MinSE          Duration `yaml:"min_se"`
	// CAFile (PEM, relative to the config file) verifies carriers reached
	// over TLS (trunks[].outbound.transport: tls); default the system's roots.
	CAFile string `yaml:"ca_file"`
	// T1 is the SIP round-trip estimate that paces retransmissions and
	// timeouts (RFC 3261 §17: an unacknowledged answer is given up after
	// 64*T1); default 500ms, 50ms..5s; read at start only.
	T1 Duration `yaml:"t1"`
}

// Listen is one SIP listening socket.
type Listen struct {
	Transport string `yaml:"transport"` // udp|tcp|tls; default udp
	Addr      string `yaml:"addr"`      // host:port; required
	// CertFile and KeyFile (PEM, relative to the config file) are the
	// certificate a tls listener presents; required for tls only.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// RTPConfig is `server.rtp`: where media sockets are opened.
type RTPConfig struct {
	IP      string `yaml:"ip"`       // default 0.0.0.0
	PortMin int    `yaml:"port_min"` // even, 1024–65535; default 10000
	PortMax int    `yaml:"port_max"` // > port_min, ≤ 65535; default 20000
	// Timeout hangs up a call whose caller (or connected agent) has sent no
	// RTP for this long: a dead peer must not hold an agent. 5s–1h; default 60s.
	Timeout Duration `yaml:"timeout"`
}

// HTTPConfig is `server.http`: the web console and REST API.
type HTTPConfig struct {
	Addr string `yaml:"addr"` // default 127.0.0.1:8080
	// CertFile and KeyFile (PEM, relative to the config file) make the
	// listener HTTPS (and the CTI WebSocket wss); both or neither.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// PProf serves net/http/pprof under /debug/pprof/ for profiling under
	// load; off by default since profiles expose internals.
	PProf bool `yaml:"pprof"`
}

// Trunk is a carrier allowed to send calls in.
type Trunk struct {
	Name     string    `yaml:"name"`     // required, unique
	Sources  []string  `yaml:"sources"`  // IPs or CIDRs allowed to send INVITEs
	Username string    `yaml:"username"` // optional digest credentials the carrier must present
	Password string    `yaml:"password"`
	Routes   []Route   `yaml:"routes"`   // first match wins, so "*" belongs last
	Outbound *Outbound `yaml:"outbound"` // where calls out to customers go; none = inbound only
	// MaxCalls caps the trunk's inbound calls up at once (the channels
	// bought from the carrier); more get 503. 0 = no cap.
	MaxCalls int `yaml:"max_calls"`
}

// Outbound is a trunk's carrier side for calls Hotline places.
type Outbound struct {
	Addr      string `yaml:"addr"`      // carrier signalling address host:port; required
	Transport string `yaml:"transport"` // udp|tcp; default udp
	CallerID  string `yaml:"caller_id"` // number presented to the customer; required
}

// OutboundLimits cap outbound calls (click-to-call and IVR transfers to
// outside numbers) for everyone together and per dialler (an agent or an IVR
// flow); 0 means no cap.
type OutboundLimits struct {
	MaxConcurrent      int `yaml:"max_concurrent"`
	PerMinute          int `yaml:"per_minute"`
	AgentMaxConcurrent int `yaml:"agent_max_concurrent"`
	AgentPerMinute     int `yaml:"agent_per_minute"`
}

// Extension is a SIP phone outside the ACD.
type Extension struct {
	Number   string `yaml:"number"`   // SIP username; required, unique among agents and extensions
	Name     string `yaml:"name"`     // default: the number
	Password string `yaml:"password"` // SIP digest password; required
}

// DialRule allows agents (click-to-call) and IVR flows (transfer nodes) to
// dial numbers matching Pattern through Trunk.
type DialRule struct {
	Agents        []string `yaml:"agents"`         // agent ids, or "*" for all
	Flows         []string `yaml:"flows"`          // IVR flow names, or "*" for all
	Pattern       string   `yaml:"pattern"`        // regular expression over the whole number
	Trunk         string   `yaml:"trunk"`          // a trunk with outbound set
	MaxConcurrent int      `yaml:"max_concurrent"` // calls up at once through this rule; 0 = 10
}

// Route sends a dialled number to a flow or a queue (exactly one).
type Route struct {
	Number string `yaml:"number"` // dialled number; "*" matches any; required
	Flow   string `yaml:"flow"`
	Queue  string `yaml:"queue"`
}

// AllowsDial reports whether rule r lets agent (or, when agent is "", flow)
// call number; concurrency limits are the caller's business.
func (r DialRule) AllowsDial(agent, flow, number string) bool {
	who := r.Agents
	id := agent
	if agent == "" {
		who, id = r.Flows, flow
	}
	if id == "" || (!slices.Contains(who, "*") && !slices.Contains(who, id)) {
		return false
	}
	re, err := regexp.Compile("^(?:" + r.Pattern + ")$")
	return err == nil && re.MatchString(number)
}

// Agent is a person who registers a SIP phone and takes queue calls.
type Agent struct {
	ID       string         `yaml:"id"`       // SIP username; required, unique
	Name     string         `yaml:"name"`     // default: the id
	Password string         `yaml:"password"` // SIP digest password; required
	Skills   map[string]int `yaml:"skills"`   // skill -> level 1–10
	Team     string         `yaml:"team"`     // for team reports and the wallboard; "" = none
	Alerts   AgentAlerts    `yaml:"alerts"`   // overrides wallboard.agent_alerts
	Role     string         `yaml:"role"`     // agent (default) or supervisor: may listen, whisper and barge
}

// Agent roles.
const (
	AgentRoleAgent      = "agent"
	AgentRoleSupervisor = "supervisor"
)

// Supervises reports whether the agent may supervise other agents' calls
// (from the agent desktop or over its agent:<id> CTI token).
func (a Agent) Supervises() bool { return a.Role == AgentRoleSupervisor }

// Queue is an ACD queue.
type Queue struct {
	Name           string            `yaml:"name"`             // required, unique
	Skills         map[string]int    `yaml:"skills"`           // required skill -> minimum level 1–10
	Strategy       string            `yaml:"strategy"`         // see Strategies; default longest_idle
	RingTimeout    Duration          `yaml:"ring_timeout"`     // default 15s
	WrapUp         Duration          `yaml:"wrap_up"`          // default 0 (agent ready at once)
	MaxWait        Duration          `yaml:"max_wait"`         // 0 = no limit; default 0
	MOH            string            `yaml:"moh"`              // prompt ref played while waiting; default hold
	MaxLen         int               `yaml:"max_len"`          // 0 = no limit; default 0
	JoinEmpty      bool              `yaml:"join_empty"`       // join when no agent is logged in; default true
	LeaveWhenEmpty bool              `yaml:"leave_when_empty"` // leave when the last agent logs out; default false
	VIP            []VIPRule         `yaml:"vip"`              // caller-number priority rules
	Overflow       []OverflowRule    `yaml:"overflow"`         // applied in order as wait time grows
	ExitKeys       map[string]string `yaml:"exit_keys"`        // DTMF digit -> flow
	AnnounceEvery  Duration          `yaml:"announce_every"`   // position announcement period; 0 = never
	NoAnswerLimit  int               `yaml:"no_answer_limit"`
	Record         bool              `yaml:"record"` // record every answered call of this queue
	// CallbackKey lets a waiting caller press it to be called back at their
	// number, keeping their place; CallbackTrunk (with outbound) places it.
	CallbackKey   string `yaml:"callback_key"`
	CallbackTrunk string `yaml:"callback_trunk"`
	Survey        string `yaml:"survey"` // flow the caller enters after the agent hangs up; "" = none  // missed rings before an agent is paused; 0 = never
	// SLThreshold is the service-level T of the wallboard and alerts; default 20s.
	SLThreshold Duration    `yaml:"sl_threshold"`
	Alerts      QueueAlerts `yaml:"alerts"`
}

// VIPRule raises the priority of callers whose number matches.
type VIPRule struct {
	Prefix   string   `yaml:"prefix"`  // caller number prefix, or
	Numbers  []string `yaml:"numbers"` // exact caller numbers (exactly one of the two)
	Priority int      `yaml:"priority"`
}

// OverflowRule widens or moves a waiting call once it has waited After.
type OverflowRule struct {
	After     Duration       `yaml:"after"`      // required, > 0
	LowerMin  int            `yaml:"lower_min"`  // lower every required skill level by this much
	AddSkills map[string]int `yaml:"add_skills"` // extra acceptable skills -> minimum level
	ToQueue   string         `yaml:"to_queue"`   // move the call to another queue, or
	ToFlow    string         `yaml:"to_flow"`    // send it to a flow
}

// CTIConfig is the CTI socket CRMs and agent desktops connect to.
type CTIConfig struct {
	Listen           string  `yaml:"listen"`             // TCP host:port; default 127.0.0.1:7070
	AllowRemotePlain bool    `yaml:"allow_remote_plain"` // allow a non-loopback listen without TLS
	Tokens           []Token `yaml:"tokens"`
	CertFile         string  `yaml:"cert_file"` // TLS, relative to BaseDir; both or neither
	KeyFile          string  `yaml:"key_file"`
	// Webhooks receive the same events by HTTP POST, signed with HMAC-SHA256.
	Webhooks []Webhook `yaml:"webhooks"`
}

// Webhook is one URL the events are POSTed to.
type Webhook struct {
	URL    string   `yaml:"url"`    // http or https; required
	Secret string   `yaml:"secret"` // HMAC-SHA256 key for X-Hotline-Signature; required
	Kinds  []string `yaml:"kinds"`  // event kinds to send; empty = all
}

// Token authenticates one CTI client.
type Token struct {
	Token string `yaml:"token"`
	Role  string `yaml:"role"` // crm|supervisor|admin|agent:<id>
}

// Strategies lists the queue distribution strategies.
var Strategies = []string{"longest_idle", "round_robin", "fewest_calls", "least_talk_time", "ring_all", "random", "best_skill"}

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the built-in example configuration text.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Default loads the built-in example configuration.
func Default() (*Config, error) { return LoadBytes("default.yaml", defaultYAML, "") }

// Load reads and validates the configuration file at path. Problems in the
// file come back as Errors; prompt files are resolved relative to its directory.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return LoadBytes(path, data, dir)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// LoadBytes decodes and validates data; name is the file name shown in
// problems and baseDir the directory .wav prompt paths are relative to.
// On any problem it returns nil and an Errors.
func LoadBytes(name string, data []byte, baseDir string) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p := Problem{File: name, Message: err.Error(), Err: ErrSyntax}
		if m := yamlLine.FindStringSubmatch(p.Message); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Column = 1
			p.Message = p.Message[len(m[0]):]
		}
		p.Message = "syntax error: " + strings.TrimPrefix(p.Message, "yaml: ")
		return nil, Errors{p}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	cfg := &Config{BaseDir: baseDir}
	d := newDecoder(name)
	d.decode(root, reflect.ValueOf(cfg).Elem(), "")
	cfg.applyDefaults(d.present)
	if !d.stopped && !d.full {
		v := &validator{cfg: cfg, root: root, file: name, probs: d.probs}
		v.run()
		d.probs = v.probs
	}
	if len(d.probs) > 0 {
		d.probs.sort()
		return nil, d.probs
	}
	return cfg, nil
}

// applyDefaults fills unset fields; present tells which keys were written,
// for fields whose zero value is a meaningful choice.
func (c *Config) applyDefaults(present map[keyPath]bool) {
	s := &c.Server
	if len(s.SIP.Listen) == 0 {
		s.SIP.Listen = []Listen{{Transport: "udp", Addr: "0.0.0.0:5060"}}
	}
	for i := range s.SIP.Listen {
		if s.SIP.Listen[i].Transport == "" {
			s.SIP.Listen[i].Transport = "udp"
		}
	}
	setDefault(&s.SIP.Realm, "hotline")
	if s.SIP.RatePerSource == 0 {
		s.SIP.RatePerSource = 50
	}
	if !present[keyPath("server").key("sip").key("session_expires")] {
		s.SIP.SessionExpires = Duration(30 * time.Minute)
	}
	if s.SIP.MinSE == 0 {
		s.SIP.MinSE = Duration(90 * time.Second)
	}
	if s.SIP.BanAfter == 0 {
		s.SIP.BanAfter = 5
	}
	if s.SIP.T1 == 0 {
		s.SIP.T1 = Duration(500 * time.Millisecond)
	}
	if s.SIP.BanFor == 0 {
		s.SIP.BanFor = Duration(5 * time.Minute)
	}
	setDefault(&s.RTP.IP, "0.0.0.0")
	if a, err := netip.ParseAddr(s.RTP.IP); err == nil && !a.IsUnspecified() && s.SIP.PublicIP == "" {
		s.SIP.PublicIP = s.RTP.IP
	}
	if s.RTP.PortMin == 0 && s.RTP.PortMax == 0 {
		s.RTP.PortMin, s.RTP.PortMax = 10000, 20000
	}
	if s.RTP.Timeout == 0 {
		s.RTP.Timeout = Duration(60 * time.Second)
	}
	setDefault(&s.HTTP.Addr, "127.0.0.1:8080")
	c.webrtcDefaults()
	setDefault(&s.Database, "./hotline.db")
	setDefault(&s.Recordings, "./recordings")
	setDefault(&s.LogLevel, "info")
	for i := range c.Agents {
		setDefault(&c.Agents[i].Name, c.Agents[i].ID)
	}
	for i := range c.Queues {
		q := &c.Queues[i]
		setDefault(&q.Strategy, "longest_idle")
		setDefault(&q.MOH, "hold")
		if q.RingTimeout == 0 {
			q.RingTimeout = Duration(15e9)
		}
		if !present[keyPath("queues").index(i).key("join_empty")] {
			q.JoinEmpty = true
		}
	}
	for _, f := range c.Flows {
		setDefault(&f.Language, "en")
	}
	setDefault(&c.CTI.Listen, "127.0.0.1:7070")
	c.alertDefaults()
}

func setDefault(s *string, v string) {
	if *s == "" {
		*s = v
	}
}

// ErrPromptNotFound is returned by OpenPrompt for a ref that does not resolve.
var ErrPromptNotFound = errors.New("prompt not found")

// OpenPrompt returns the WAV bytes a prompt reference names: a file
// (relative to BaseDir) when it ends in .wav, else a built-in prompt in lang.
func (c *Config) OpenPrompt(lang, ref string) ([]byte, error) {
	if isFileRef(ref) {
		b, err := os.ReadFile(c.promptPath(ref))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrPromptNotFound, err)
		}
		return b, nil
	}
	if !promptExists(lang, ref) {
		return nil, fmt.Errorf("%w: built-in %q in language %q", ErrPromptNotFound, ref, lang)
	}
	return promptOpen(lang, ref)
}

func (c *Config) promptPath(ref string) string {
	if filepath.IsAbs(ref) || c.BaseDir == "" {
		return ref
	}
	return filepath.Join(c.BaseDir, ref)
}
