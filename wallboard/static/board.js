// The wallboard page: a snapshot then deltas over Server-Sent Events from
// the switch; waits and times in state tick here from server timestamps.
'use strict';
(function () {
  const queues = new Map(), agents = new Map();
  let alerts = [], offset = 0, rollingS = 1800;
  const log = [];
  const now = () => Date.now() + offset; // the server's clock
  const $ = (sel) => document.querySelector(sel);

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
    }
    for (const k of kids) e.append(k instanceof Node ? k : String(k));
    return e;
  }
  function dur(ms) {
    if (!(ms > 0)) return '0:00';
    const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
    const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
    return (h > 0 ? h + ':' : '') + mm + ':' + String(r).padStart(2, '0');
  }
  const pct = (f, known) => (known === false ? '–' : f.toFixed(1) + '%');
  const alertText = (a) => {
    const who = a.queue ? 'Queue ' + a.queue : 'Agent ' + a.agent_id;
    switch (a.kind) {
      case 'sl_below': return `${who}: service level ${a.value.toFixed(1)}% below ${a.limit}%`;
      case 'wait_above': return `${who}: longest wait above ${dur(a.limit * 1000)}`;
      case 'not_ready_above': return `${who}: not ready longer than ${dur(a.limit * 1000)}`;
      case 'wrap_up_above': return `${who}: in wrap-up longer than ${dur(a.limit * 1000)}`;
    }
    return `${who}: ${a.kind}`;
  };

  function apply(m) {
    offset = m.now - Date.now();
    switch (m.type) {
      case 'snapshot':
        queues.clear(); agents.clear();
        for (const q of m.state.queues) queues.set(q.name, q);
        for (const a of m.state.agents) agents.set(a.id, a);
        alerts = m.state.alerts || []; rollingS = m.state.rolling_s;
        break;
      case 'queue': queues.set(m.queue.name, m.queue); break;
      case 'queue_removed': queues.delete(m.name); break;
      case 'agent': agents.set(m.agent.id, m.agent); break;
      case 'agent_removed': agents.delete(m.name); break;
      case 'alerts': alerts = m.alerts || []; break;
      case 'alert':
        log.unshift(`${new Date(m.now).toLocaleTimeString()} ${m.raised ? 'raised' : 'cleared'}: ${alertText(m.alert)}`);
        log.length = Math.min(log.length, 50);
        break;
    }
  }

  function figures(label, f, q) {
    const below = q.sl_target && f.sl_known && f.sl < q.sl_target;
    return el('tr', {}, el('td', {}, label),
      el('td', { class: 'sl' + (below ? ' below' : '') }, pct(f.sl, f.sl_known)),
      el('td', { class: 'asa' }, f.asa_s.toFixed(1) + ' s'),
      el('td', { class: 'abandon' }, pct(f.abandon_rate)),
      el('td', {}, f.offered), el('td', {}, f.answered), el('td', {}, f.abandoned));
  }

  function render() {
    const qs = $('#queues');
    qs.replaceChildren();
    for (const q of queues.values()) {
      const alerting = alerts.some((a) => a.queue === q.name);
      const byState = Object.entries(q.agents || {}).filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s.replace('_', ' ')}`).join(' · ') || 'no agents';
      qs.append(el('article', { class: 'queue' + (alerting ? ' alerting' : ''), 'data-queue': q.name },
        el('h3', {}, q.name),
        el('div', { class: 'big' },
          el('div', {}, el('span', { class: 'n waiting' }, q.waiting), el('span', { class: 'l' }, 'waiting')),
          el('div', {}, el('span', { class: 'n longest', 'data-oldest': q.oldest_ms }, dur(q.oldest_ms ? now() - q.oldest_ms : 0)),
            el('span', { class: 'l' }, 'longest wait'))),
        el('div', { class: 'agents' }, byState),
        el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, `T = ${q.sl_threshold_s} s`), el('th', {}, 'SL'),
          el('th', {}, 'ASA'), el('th', {}, 'Abandon'), el('th', {}, 'Offered'), el('th', {}, 'Answered'), el('th', {}, 'Abandoned'))),
        el('tbody', {}, figures('today', q.today, q), figures(`${Math.round(rollingS / 60)} min`, q.rolling, q)))));
    }
    const tb = $('#agents tbody');
    tb.replaceChildren();
    for (const a of agents.values()) {
      const alerting = alerts.some((x) => x.agent_id === a.id);
      tb.append(el('tr', { 'data-agent': a.id, class: alerting ? 'alerting' : '' },
        el('td', {}, a.id), el('td', {}, a.name), el('td', {}, a.team || ''),
        el('td', { class: 'state st-' + a.state }, a.state.replace('_', ' ') + (a.reason ? ` (${a.reason})` : '')),
        el('td', { class: 'time', 'data-since': a.since_ms }, a.since_ms ? dur(now() - a.since_ms) : ''),
        el('td', {}, a.queue || '')));
    }
    const al = $('#alert-list');
    al.replaceChildren();
    if (alerts.length === 0) al.append(el('li', { class: 'none' }, 'No alerts'));
    for (const a of alerts) {
      al.append(el('li', { class: 'alert', 'data-kind': a.kind, 'data-queue': a.queue || '', 'data-agent': a.agent_id || '' },
        alertText(a), el('span', { class: 'since', 'data-since': Date.parse(a.since) }, ` (for ${dur(now() - Date.parse(a.since))})`)));
    }
    $('#log').replaceChildren(...log.map((l) => el('li', {}, l)));
  }

  function tick() {
    const t = now();
    for (const e of document.querySelectorAll('.longest')) {
      const o = +e.dataset.oldest; e.textContent = dur(o ? t - o : 0);
    }
    for (const e of document.querySelectorAll('#agents .time')) {
      const s = +e.dataset.since; if (s) e.textContent = dur(t - s);
    }
    for (const e of document.querySelectorAll('#alert-list .since')) e.textContent = ` (for ${dur(t - +e.dataset.since)})`;
    $('#clock').textContent = new Date(t).toLocaleTimeString();
  }

  function connect() {
    const st = $('#status');
    const es = new EventSource('/wallboard/events');
    es.onopen = () => { st.textContent = 'live'; st.className = 'status live'; };
    es.onmessage = (e) => { apply(JSON.parse(e.data)); render(); tick(); };
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) { // refused (signed out): back to the login form
        st.textContent = 'signed out'; st.className = 'status down';
        setTimeout(() => location.reload(), 5000);
      } else {
        st.textContent = 'reconnecting…'; st.className = 'status';
      }
    };
  }
  connect();
  setInterval(tick, 250);
})();
