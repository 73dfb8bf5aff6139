package call

import (
	"net/netip"
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
		RatePerSource: cfg.Server.SIP.RatePerSource, T1: cfg.Server.SIP.T1.D(),
	}
	for _, a := range cfg.Server.SIP.BanAllow {
		sc.BanAllow = append(sc.BanAllow, prefix(a)...)
	}
	for _, l := range cfg.Server.SIP.Listen {
		sc.Listen = append(sc.Listen, hsip.Listen{Transport: l.Transport, Addr: l.Addr})
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
