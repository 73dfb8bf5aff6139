// Hotline agent desktop: JsSIP softphone (SIP over WebSocket at /sip, WebRTC audio) plus the CTI WebSocket
// (/cti) for agent state, screen pops and call control. Served by the switch; no build step.
'use strict';
(() => {
  const $ = id => document.getElementById(id);
  const wsBase = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host;
  const desk = {                       // what the page knows; also read by the browser test
    agent: null, token: null, sipRegistered: false, ctiReady: false, state: 'logged_out', reason: '',
    callId: null, pop: null, session: null, talking: false, held: false, muted: false, answeredAt: 0,
    wrapCall: null, events: [],
  };
  window.agentDesktop = desk;
  // Extension points for supervisor.js: CTI commands, every CTI event, the CTI login's answer, and first refusal
  // of an incoming call (a supervision call is taken there, not by the agent's own call card).
  desk.hooks = { events: [], ctiReady: [], incoming: null };
  let creds = null, ua = null, cti = null, cmdSeq = 0, analyser = null, lastSeq = 0;
  const pending = new Map();

  const logEvent = text => {
    desk.events.push(text);
    const li = document.createElement('li');
    li.textContent = new Date().toLocaleTimeString() + ' ' + text;
    $('events').prepend(li);
  };

  // ---- login: agent credentials -> CTI token (and the same credentials register the softphone) ----
  $('login-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    $('login-error').textContent = '';
    creds = { agent: $('login-agent').value.trim(), password: $('login-password').value };
    try {
      const info = await login();
      desk.agent = info.agent;
      $('who').textContent = `${info.name} (${info.agent})`;
      fill($('reason'), info.reasons);
      fill($('disposition'), info.dispositions);
      $('login').hidden = true;
      $('desk').hidden = false;
      await connectCTI();                // subscribed first, so the phone's registration shows as a state change
      startPhone(info);
    } catch (e) {
      $('login-error').textContent = e.message;
    }
  });

  async function login() {
    const r = await fetch('/agent/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(creds),
    });
    if (!r.ok) throw new Error((await r.text()).trim() || r.statusText);
    const info = await r.json();
    desk.token = info.token;
    return info;
  }

  function fill(sel, items) {
    sel.replaceChildren(...items.map(v => Object.assign(document.createElement('option'), { value: v, textContent: v })));
  }

  // ---- softphone ----
  function startPhone(info) {
    const socket = new JsSIP.WebSocketInterface(wsBase + info.sip_path);
    ua = new JsSIP.UA({
      sockets: [socket], uri: `sip:${info.agent}@${info.sip_domain}`, authorization_user: info.agent,
      password: creds.password, display_name: info.name, register: true, register_expires: 300,
      session_timers: false, user_agent: 'Hotline agent desktop',
    });
    ua.on('connected', () => setText('sip-status', 'connected'));
    ua.on('disconnected', () => { desk.sipRegistered = false; setText('sip-status', 'offline'); });
    ua.on('registered', () => { desk.sipRegistered = true; setText('sip-status', 'registered'); });
    ua.on('unregistered', () => { desk.sipRegistered = false; setText('sip-status', 'unregistered'); });
    ua.on('registrationFailed', e => { desk.sipRegistered = false; setText('sip-status', 'failed: ' + e.cause); });
    ua.on('newRTCSession', e => { if (e.originator === 'remote') incoming(e.session, e.request); });
    ua.start();
  }

  function incoming(s, req) {
    if (desk.hooks.incoming && desk.hooks.incoming(s, req)) return;
    if (desk.session) { s.terminate({ status_code: 486 }); return; }
    desk.session = s;
    desk.callId = req.getHeader('X-Hotline-Call') || desk.callId;
    $('incoming').hidden = false;
    if (!desk.pop || desk.pop.call_id !== desk.callId) showPop({ call_id: desk.callId, ani: s.remote_identity.uri.user, queue: req.getHeader('X-Hotline-Queue') });
    setLine('ringing');
    buttons();
    s.on('peerconnection', e => {
      const pc = e.peerconnection;
      pc.addEventListener('track', t => playRemote(t.streams[0] || new MediaStream([t.track])));
      pc.addEventListener('iceconnectionstatechange', () => {
        if (pc.iceConnectionState === 'failed' && desk.talking) restartIce();   // a new network path, same call
      });
    });
    s.on('accepted', () => { desk.talking = true; desk.answeredAt = Date.now(); $('incoming').hidden = true; setLine('talking'); buttons(); });
    s.on('ended', e => callOver('ended: ' + e.cause));
    s.on('failed', e => callOver('failed: ' + e.cause));
  }

  // restartIce renegotiates the call with fresh ICE credentials (re-INVITE): after a network change, or from
  // the Reconnect audio button. It resolves when the switch has answered.
  function restartIce() {
    const s = desk.session;
    if (!s || !desk.talking) return Promise.resolve(false);
    return new Promise(done => {
      const ok = s.renegotiate({ rtcOfferConstraints: { iceRestart: true } }, () => { desk.iceRestarts++; done(true); });
      if (!ok) done(false);
    });
  }
  desk.iceRestarts = 0;

  function callOver(why) {
    const wasTalking = desk.talking;
    desk.session = null; desk.talking = false; desk.held = false; desk.muted = false; desk.answeredAt = 0;
    $('incoming').hidden = true;
    setLine(why);
    if (wasTalking && desk.callId) { desk.wrapCall = desk.callId; $('wrapup').hidden = false; }
    buttons();
  }

  function playRemote(stream) {
    const el = $('remote-audio');
    el.srcObject = stream;             // Chrome plays (and feeds WebAudio) only streams with a media element sink
    const ac = new AudioContext();
    analyser = ac.createAnalyser();
    analyser.fftSize = 4096;
    ac.createMediaStreamSource(stream).connect(analyser);
  }

  // remotePeak listens to the caller's audio for ms and returns the dominant frequency (the level meter's data).
  desk.remotePeak = async (ms = 2000) => {
    if (!analyser) return null;
    const buf = new Float32Array(analyser.frequencyBinCount), hist = {};
    let maxDb = -200;
    for (let t = 0; t < ms; t += 100) {
      await new Promise(r => setTimeout(r, 100));
      analyser.getFloatFrequencyData(buf);
      let bi = 1;
      for (let i = 2; i < buf.length; i++) if (buf[i] > buf[bi]) bi = i;
      maxDb = Math.max(maxDb, buf[bi]);
      if (buf[bi] > -75) { const f = Math.round(bi * analyser.context.sampleRate / analyser.fftSize); hist[f] = (hist[f] || 0) + 1; }
    }
    const top = Object.entries(hist).sort((a, b) => b[1] - a[1])[0];
    return { peakHz: top ? +top[0] : null, maxDb: Math.round(maxDb) };
  };

  // ---- CTI ----
  function connectCTI() {
    if (cti) return Promise.resolve();
    const ws = cti = new WebSocket(wsBase + '/cti');
    ws.onmessage = m => {
      const msg = JSON.parse(m.data);
      if (msg.type === 'res') {
        const p = pending.get(String(msg.id));
        pending.delete(String(msg.id));
        if (p) msg.ok ? p.resolve(msg.data || {}) : p.reject(new Error(msg.error && msg.error.message || 'error'));
      } else if (msg.type === 'event') {
        lastSeq = msg.seq;
        onEvent(msg);
      }
    };
    return new Promise(done => {
      ws.onopen = async () => {
        try {
          if (desk.ctiReady) await login();     // a reconnect: tokens are short-lived, take a fresh one
          const res = await cmd('login', { token: desk.token });
          lastSeq = lastSeq || res.seq;
          await cmd('subscribe', { resume_from: lastSeq });
          desk.ctiReady = true;
          setText('cti-status', 'connected');
          for (const f of desk.hooks.ctiReady) await f(res);
        } catch (e) { setText('cti-status', 'error: ' + e.message); }
        done();
      };
      ws.onclose = () => {
        cti = null;
        desk.ctiReady = desk.ctiReady && !!desk.token;
        setText('cti-status', 'offline');
        setTimeout(connectCTI, 2000);
        done();
      };
    });
  }

  desk.cmd = (name, args) => cmd(name, args);
  function cmd(name, args = {}) {
    return new Promise((resolve, reject) => {
      if (!cti || cti.readyState !== WebSocket.OPEN) { reject(new Error('CTI offline')); return; }
      const id = String(++cmdSeq);
      pending.set(id, { resolve, reject });
      cti.send(JSON.stringify({ type: 'cmd', id, cmd: name, ...args }));
    });
  }

  function onEvent(e) {
    for (const f of desk.hooks.events) f(e);
    logEvent(`${e.event}${e.state ? ' ' + e.state : ''}${e.reason ? ' (' + e.reason + ')' : ''}${e.ani ? ' ' + e.ani : ''}`);
    switch (e.event) {
      case 'agent.state':
        if (e.agent_id !== desk.agent) break;
        desk.state = e.state; desk.reason = e.reason || '';
        $('state').textContent = e.state;
        $('state').className = 'state-' + e.state;
        $('state-reason').textContent = e.reason ? `(${e.reason})` : '';
        break;
      case 'agent.offered':
        desk.callId = e.call_id;
        showPop(e);
        break;
      case 'agent.connected':
        if (e.call_id === desk.callId && e.wait_ms) setText('pop-wait', Math.round(e.wait_ms / 1000) + ' s');
        break;
      case 'call.held': case 'call.unheld':
        if (e.call_id === desk.callId) { desk.held = e.event === 'call.held'; buttons(); }
        break;
    }
  }

  function showPop(e) {
    desk.pop = { call_id: e.call_id, ani: e.ani, queue: e.queue, digits: e.digits, data: e.data || {}, wait_ms: e.wait_ms };
    setText('pop-ani', e.ani || '–');
    setText('pop-queue', e.queue || '–');
    setText('pop-digits', e.digits || '–');
    setText('pop-wait', e.wait_ms ? Math.round(e.wait_ms / 1000) + ' s' : '–');
    setText('pop-call', e.call_id || '–');
    $('pop-data').tBodies[0].replaceChildren(...Object.entries(e.data || {}).map(([k, v]) => {
      const tr = document.createElement('tr');
      tr.append(Object.assign(document.createElement('td'), { textContent: k }), Object.assign(document.createElement('td'), { textContent: v }));
      return tr;
    }));
  }

  // ---- controls ----
  const act = (id, fn) => $(id).addEventListener('click', () => Promise.resolve().then(fn).catch(e => logEvent('error: ' + e.message)));
  act('ready-btn', () => cmd('agent_ready'));
  act('notready-btn', () => cmd('agent_not_ready', { reason: $('reason').value }));
  act('answer-btn', () => desk.session && desk.session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } }));
  act('hangup-btn', () => desk.session && desk.session.terminate());
  act('hold-btn', async () => { await cmd(desk.held ? 'unhold' : 'hold', { call: desk.callId }); });
  act('mute-btn', () => {
    if (!desk.session) return;
    desk.muted ? desk.session.unmute({ audio: true }) : desk.session.mute({ audio: true });
    desk.muted = !desk.muted;
    buttons();
  });
  act('reconnect-btn', () => restartIce());
  act('transfer-btn', () => cmd('transfer', { call: desk.callId, target: $('transfer-target').value.trim() }));
  act('wrapup-btn', async () => {
    if (desk.wrapCall) await cmd('disposition', { call: desk.wrapCall, code: $('disposition').value });
    $('wrapup').hidden = true;
    desk.wrapCall = null;
    if (desk.state === 'wrap_up') await cmd('wrap_up_done');
  });

  function buttons() {
    const s = desk.session;
    $('answer-btn').disabled = !s || desk.talking;
    $('hangup-btn').disabled = !s;
    $('hold-btn').disabled = !desk.talking;
    $('hold-btn').textContent = desk.held ? 'Resume' : 'Hold';
    $('mute-btn').disabled = !desk.talking;
    $('mute-btn').textContent = desk.muted ? 'Unmute' : 'Mute';
    $('transfer-btn').disabled = !desk.talking;
    $('reconnect-btn').disabled = !desk.talking;
  }

  function setText(id, t) { $(id).textContent = t; }
  function setLine(t) { setText('call-status', t); }

  setInterval(() => {                  // call timer and caller level meter
    const s = desk.answeredAt ? Math.floor((Date.now() - desk.answeredAt) / 1000) : 0;
    setText('timer', String(Math.floor(s / 60)).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0'));
    if (analyser && desk.talking) {
      const buf = new Float32Array(analyser.frequencyBinCount);
      analyser.getFloatFrequencyData(buf);
      $('level').value = Math.max(-100, Math.max(...buf));
    }
  }, 500);
})();
