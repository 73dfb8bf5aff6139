package call

import (
	"crypto/tls"
	"crypto/x509"
	"net/netip"
	"os"
	"strings"

	"github.com/hotline/hotline/acd"
	"github.com/hotline/hotline/config"
	hsip "github.com/hotline/hotline/sip"
)

// Conversions from the validated configuration to each layer's own types,
// so sip and acd never import config.

func acdConfig(cfg *config.Config) acd.Config {
	out := acd.Config{}
	for _, q := range cfg.Queues {
		qc := acd.QueueConfig{
			Name: q.Name, Strategy: q.Strategy, Skills: q.Skills,
			RingTimeout: q.RingTimeout.D(), WrapUp: q.WrapUp.D(), MaxWait: q.MaxWait.D(),
			MaxLen: q.MaxLen, JoinEmpty: q.JoinEmpty, LeaveWhenEmpty: q.LeaveWhenEmpty,
			ExitKeys: q.ExitKeys, AnnounceEvery: q.AnnounceEvery.D(),
		}
		for _, v := range q.VIP {
			r := acd.VIPRule{ANIs: v.Numbers, Priority: v.Priority}
			if v.Prefix != "" {
				r.Prefixes = []string{v.Prefix}
			}
			qc.VIP = append(qc.VIP, r)
		}
		for _, o := range q.Overflow {
			qc.Overflow = append(qc.Overflow, acd.OverflowRule{
				After: o.After.D(), MinLevelDelta: o.LowerMin, AddSkills: o.AddSkills, ToQueue: o.ToQueue, ToFlow: o.ToFlow,
			})
		}
		if q.NoAnswerLimit > 0 && (out.NoAnswerLimit == 0 || q.NoAnswerLimit < out.NoAnswerLimit) {
			out.NoAnswerLimit = q.NoAnswerLimit
		}
		out.Queues = append(out.Queues, qc)
	}
	for _, a := range cfg.Agents {
		out.Agents = append(out.Agents, acd.AgentConfig{ID: a.ID, Skills: a.Skills})
	}
	return out
}

func sipConfig(cfg *config.Config, o Options) hsip.Config {
	sc := hsip.Config{
		PublicIP: cfg.Server.SIP.PublicIP, Realm: cfg.Server.SIP.Realm,
		Agents: map[string]string{}, Logger: o.Logger, Now: o.Now,
		BanAfter: cfg.Server.SIP.BanAfter, BanFor: cfg.Server.SIP.BanFor.D(),
		RatePerSource: cfg.Server.SIP.RatePerSource, CallsPerSecond: cfg.Server.SIP.CallsPerSecond, T1: cfg.Server.SIP.T1.D(),
		Timers:   hsip.TimerConfig{Expires: cfg.Server.SIP.SessionExpires.D(), MinSE: cfg.Server.SIP.MinSE.D()},
		TLSRoots: caPool(cfg, o),
	}
	for _, a := range cfg.Server.SIP.BanAllow {
		sc.BanAllow = append(sc.BanAllow, prefix(a)...)
	}
	for _, l := range cfg.Server.SIP.Listen {
		hl := hsip.Listen{Transport: l.Transport, Addr: l.Addr}
		if l.Transport == "tls" {
			// Validation checked the files exist; a bad pair fails Start.
			if cert, err := tls.LoadX509KeyPair(inBase(cfg.BaseDir, l.CertFile), inBase(cfg.BaseDir, l.KeyFile)); err == nil {
				hl.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			} else if o.Logger != nil {
				o.Logger.Error("sip tls certificate unusable", "addr", l.Addr, "error", err)
			}
		}
		sc.Listen = append(sc.Listen, hl)
	}
	for _, a := range cfg.Agents {
		sc.Agents[a.ID] = a.Password
	}
	for _, e := range cfg.Extensions { // the registrar serves both; only agents join the ACD
		sc.Agents[e.Number] = e.Password
	}
	for _, t := range cfg.Trunks {
		tr := hsip.Trunk{Name: t.Name, Username: t.Username, Password: t.Password}
		for _, s := range t.Sources {
			tr.Sources = append(tr.Sources, prefix(s)...)
		}
		sc.Trunks = append(sc.Trunks, tr)
	}
	return sc
}

// prefix reads an IP or CIDR (validated at load) as a prefix.
func prefix(s string) []netip.Prefix {
	if p, err := netip.ParsePrefix(s); err == nil {
		return []netip.Prefix{p.Masked()}
	}
	if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil {
		return []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}
	}
	return nil
}

// caPool reads server.sip.ca_file (nil: the system's roots).
func caPool(cfg *config.Config, o Options) *x509.CertPool {
	f := cfg.Server.SIP.CAFile
	if f == "" {
		return nil
	}
	pem, err := os.ReadFile(inBase(cfg.BaseDir, f))
	pool := x509.NewCertPool()
	if err != nil || !pool.AppendCertsFromPEM(pem) {
		if o.Logger != nil {
			o.Logger.Error("sip ca_file unusable: carriers over TLS cannot be verified", "file", f, "error", err)
		}
	}
	return pool
}
