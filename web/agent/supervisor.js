// Hotline agent desktop, supervisor panel: shown when the CTI login says this agent may supervise (agent entry with
// role: supervisor). It lists the calls connected to agents (CTI snapshot, then events) with Listen / Whisper / Barge;
// the switch dials this page's own softphone into the call (INVITE with X-Hotline-Role: supervisor), which the panel
// answers by itself; the same buttons switch mode mid-call and Leave hangs the supervision leg up.
'use strict';
(() => {
  const desk = window.agentDesktop;
  const sup = {                        // what the panel knows; also read by the browser test
    enabled: false, calls: {}, callId: null, mode: null, pending: null, session: null, joined: false, errors: [],
  };
  window.supervisorPanel = sup;
  let card = null, analyser = null;

  const el = (tag, { dataset = {}, ...props } = {}, ...kids) => {
    const e = Object.assign(document.createElement(tag), props);
    Object.assign(e.dataset, dataset);
    e.append(...kids);
    return e;
  };

  function build() {
    if (card) return;
    card = el('section', { className: 'card', id: 'supervisor-card' },
      el('h2', { textContent: 'Supervisor' }),
      el('p', {}, 'Supervising: ', el('b', { id: 'sup-status', textContent: 'none' }), ' ',
        el('button', { id: 'sup-leave', textContent: 'Leave', disabled: true })),
      el('table', { id: 'sup-calls' },
        el('thead', {}, el('tr', {}, ...['Call', 'Caller', 'Queue', 'Agent', ''].map(t => el('th', { textContent: t })))),
        el('tbody')),
      el('p', { id: 'sup-empty', textContent: 'No connected calls.' }),
      el('audio', { id: 'sup-audio', autoplay: true }));
    document.getElementById('events-card').before(card);
    document.getElementById('sup-leave').addEventListener('click', leave);
  }

  // ---- the call list: snapshot on (re)connect, then events ----
  desk.hooks.ctiReady.push(async res => {
    if (!res.supervisor) return;
    sup.enabled = true;
    build();
    const snap = await desk.cmd('snapshot');
    sup.calls = {};
    for (const c of (snap.state && snap.state.calls) || []) {
      if (c.agent_id) sup.calls[c.call_id] = { call_id: c.call_id, ani: c.ani, queue: c.queue, agent: c.agent_id };
    }
    render();
  });

  desk.hooks.events.push(e => {
    if (!sup.enabled || !e.call_id) return;
    const c = sup.calls[e.call_id];
    switch (e.event) {
      case 'agent.connected':
        sup.calls[e.call_id] = { call_id: e.call_id, ani: e.ani, queue: e.queue, agent: e.agent_id };
        break;
      case 'call.transferred':    // attended: the consulted agent has it now; blind: it waits for another agent
        if (e.reason === 'attended' && c) c.agent = e.agent_id; else delete sup.calls[e.call_id];
        break;
      case 'agent.completed':
        if (c && c.agent === e.agent_id) delete sup.calls[e.call_id];
        break;
      case 'call.ended':
        delete sup.calls[e.call_id];
        break;
      case 'call.supervised':
        if (e.reason !== desk.agent) break;
        if (e.state === 'ended') { if (e.call_id === sup.callId) reset(); } else if (e.call_id === sup.callId) sup.mode = e.state;
        break;
      default:
        return;
    }
    render();
  });

  function render() {
    if (!card) return;
    const rows = Object.values(sup.calls).map(c => {
      const tr = el('tr', { dataset: { call: c.call_id } },
        ...[c.call_id, c.ani || '–', c.queue || '–', c.agent || '–'].map(t => el('td', { textContent: t })));
      const td = el('td');
      for (const mode of ['listen', 'whisper', 'barge']) {
        const b = el('button', { textContent: mode[0].toUpperCase() + mode.slice(1), className: 'sup-' + mode });
        b.disabled = c.agent === desk.agent || (sup.callId === c.call_id && sup.mode === mode);
        b.addEventListener('click', () => supervise(mode, c.call_id).catch(err => note(err)));
        td.append(b);
      }
      tr.append(td);
      return tr;
    });
    card.querySelector('#sup-calls tbody').replaceChildren(...rows);
    document.getElementById('sup-empty').hidden = rows.length > 0;
    document.getElementById('sup-status').textContent = sup.callId ? `${sup.callId} (${sup.mode}${sup.joined ? '' : ', ringing'})` : 'none';
    document.getElementById('sup-leave').disabled = !sup.callId;
  }

  function note(err) {
    sup.errors.push(err.message);
    document.getElementById('sup-status').textContent = 'error: ' + err.message;
  }

  // ---- supervising: ask the switch, answer its call, switch modes, leave ----
  async function supervise(mode, callId) {
    if (sup.callId && sup.callId !== callId) await leave();
    const first = !sup.callId;
    sup.callId = callId;
    if (first) sup.pending = callId;
    try {
      await desk.cmd(mode, { call: callId });
    } catch (err) {
      if (first) reset();
      throw err;
    }
    sup.mode = mode;
    render();
  }

  function leave() {
    const s = sup.session;
    if (s && !s.isEnded()) s.terminate();
    reset();
    return Promise.resolve();
  }

  function reset() {
    sup.callId = null; sup.mode = null; sup.pending = null; sup.session = null; sup.joined = false;
    render();
  }

  // The switch's INVITE for a supervision this page asked for is answered at once; any other is refused.
  desk.hooks.incoming = (s, req) => {
    if (req.getHeader('X-Hotline-Role') !== 'supervisor') return false;
    if (!sup.pending || req.getHeader('X-Hotline-Call') !== sup.pending) { s.terminate({ status_code: 486 }); return true; }
    sup.pending = null;
    sup.session = s;
    s.on('peerconnection', e => e.peerconnection.addEventListener('track', t => play(t.streams[0] || new MediaStream([t.track]))));
    s.on('accepted', () => { sup.joined = true; render(); });
    const over = () => { if (sup.session === s) reset(); };
    s.on('ended', over);
    s.on('failed', over);
    s.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
    return true;
  };

  function play(stream) {
    document.getElementById('sup-audio').srcObject = stream;
    const ac = new AudioContext();
    analyser = ac.createAnalyser();
    analyser.fftSize = 4096;
    ac.createMediaStreamSource(stream).connect(analyser);
  }

  // tones listens to the supervision audio for ms and returns, for each frequency asked, its share of the heard
  // power (the band ±35 Hz around it, averaged over 100 ms looks), and the overall level.
  sup.tones = async (ms, freqs) => {
    if (!analyser) return null;
    const buf = new Float32Array(analyser.frequencyBinCount), hz = analyser.context.sampleRate / analyser.fftSize;
    const share = Object.fromEntries(freqs.map(f => [f, 0]));
    let n = 0, maxDb = -200;
    for (let t = 0; t < ms; t += 100) {
      await new Promise(r => setTimeout(r, 100));
      analyser.getFloatFrequencyData(buf);
      let total = 0;
      const p = buf.map(db => 10 ** (db / 10));
      p.forEach((v, i) => { if (i > 0) total += v; maxDb = Math.max(maxDb, buf[i]); });
      if (total <= 0) continue;
      n++;
      for (const f of freqs) {
        let band = 0;
        for (let i = Math.max(1, Math.round((f - 35) / hz)); i <= Math.round((f + 35) / hz); i++) band += p[i];
        share[f] += band / total;
      }
    }
    for (const f of freqs) share[f] = n ? Math.round(100 * share[f] / n) / 100 : 0;
    return { share, maxDb: Math.round(maxDb) };
  };
})();
