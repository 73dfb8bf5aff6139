// Drives the agent desktop (/agent) for the integration tests in headless Chromium (playwright-core, a fake
// microphone playing a WAV) or Firefox ESR (puppeteer-core over WebDriver BiDi: playwright-core can drive only its
// own patched Firefox; Firefox's fake microphone plays a sine at a set frequency). Both drivers are found through
// NODE_PATH. The Go test sends one command per line on stdin and reads one JSON reply per line on stdout;
// diagnostics go to stderr.
//   node agent_driver.js URL AGENT PASSWORD MIC [chromium|firefox]   (MIC: a WAV for Chromium, a frequency in Hz for Firefox)
// Commands: login | wait_state S | wait_pop | answer | peak MS | shot PATH | hold | mute | transfer TARGET | ice_restart | codec | dtmf TONES MS |
//           hangup | wait_idle | wrapup CODE | state | close_tab | quit
// Supervisor panel: sup_state | sup_wait_call CALLID | supervise MODE CALLID (clicks Listen/Whisper/Barge on the call's
//           row, replies once the switch confirms the mode and the page has answered) | sup_leave |
//           sup_tones MS HZ,HZ,... (each frequency's share of what the supervisor hears) | cti CMD CALLID (a raw
//           CTI command over the page's own session; replies with its error, if any)
// JSSIP_DEBUG=1 adds JsSIP's own log (every SIP message) to stderr; HOTLINE_MIC_RAW=1 (Chromium) turns the noise
// suppressor off on the page's microphone, so a steady test tone keeps its level.
'use strict';
const readline = require('readline');

const [url, agent, password, mic, engine = 'chromium'] = process.argv.slice(2);
const reply = obj => process.stdout.write(JSON.stringify(obj) + '\n');

// Each engine gives a page and the few calls whose signatures differ between playwright and puppeteer.
async function chromium() {
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--use-file-for-fake-audio-capture=' + mic,
      '--autoplay-policy=no-user-gesture-required',
      '--allow-loopback-in-peer-connection',            // 127.0.0.1 host candidates (lo is the only interface)
      '--disable-features=WebRtcHideLocalIpsWithMdns',  // real addresses, not .local names (no multicast here)
      '--ignore-certificate-errors',                    // the tests' self-signed certificate (wss)
    ],
  });
  const ctx = await browser.newContext({ permissions: ['microphone'], ignoreHTTPSErrors: true, viewport: { width: 1100, height: 440 } });
  const page = await ctx.newPage();
  if (process.env.HOTLINE_MIC_RAW) {
    // A fake microphone's steady sine is what Chromium's noise suppressor is built to remove (it is cut by some
    // 20 dB within a second; a voice is not): tests that compare the levels of mixed parties turn it off.
    await page.addInitScript(() => {
      const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = c => gum(c && c.audio ? { ...c, audio: { ...(c.audio === true ? {} : c.audio), noiseSuppression: false } } : c);
    });
  }
  return {
    browser, page,
    until: (fn, arg, ms) => page.waitForFunction(fn, arg, { timeout: ms, polling: 100 }),
    fill: (sel, v) => page.fill(sel, v),
    select: (sel, v) => page.selectOption(sel, v),
  };
}

async function firefox() {
  const puppeteer = require('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox', protocol: 'webDriverBiDi', headless: true, acceptInsecureCerts: true,  // wss: self-signed
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true,
      // the fake stream counts as a granted microphone: without it Firefox gathers only the default route's
      // address (none in a namespace with only lo), never 127.0.0.1
      'media.navigator.permission.fake': true,
      'media.navigator.audio.fake_frequency': +mic,                  // the fake microphone's sine
      'media.cubeb.force_mock_context': true,     // no sound card: without it audio never runs (AudioContext stays suspended)
      // Firefox's own autoplay policy stays on: the page plays the caller only after the agent's click on Answer
      'media.peerconnection.ice.loopback': true,                       // 127.0.0.1 host candidates
      'media.peerconnection.ice.obfuscate_host_addresses': false,      // real addresses, not .local names
    },
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 440 });
  return {
    browser, page,
    until: (fn, arg, ms) => page.waitForFunction(fn, { timeout: ms, polling: 100 }, arg),
    fill: (sel, v) => page.locator(sel).fill(v),
    select: (sel, v) => page.select(sel, v),
  };
}

(async () => {
  const b = await ({ chromium, firefox }[engine] || (() => { throw new Error('unknown browser ' + engine); }))();
  const { browser, page } = b;
  page.on('console', m => console.error('[page]', m.text()));
  page.on('pageerror', e => console.error('[page error]', e.message));
  if (process.env.JSSIP_DEBUG) await page.evaluateOnNewDocument(() => { localStorage.debug = 'JsSIP:*'; });
  const desk = () => page.evaluate(() => {
    const d = window.agentDesktop;
    return { sipRegistered: d.sipRegistered, ctiReady: d.ctiReady, state: d.state, reason: d.reason, talking: d.talking,
      ringing: !!d.session && !d.talking, callId: d.callId, pop: d.pop, events: d.events.slice(-20),
      sipStatus: document.getElementById('sip-status').textContent, loginError: document.getElementById('login-error').textContent, deskHidden: document.getElementById('desk').hidden, ctiStatus: document.getElementById('cti-status').textContent };
  });
  const until = (fn, arg, ms = 20000) => b.until(fn, arg, ms);
  const supState = () => page.evaluate(() => {
    const p = window.supervisorPanel;
    return { enabled: p.enabled, calls: p.calls, callId: p.callId, mode: p.mode, joined: p.joined, errors: p.errors,
      shown: !!document.getElementById('supervisor-card'), status: (document.getElementById('sup-status') || {}).textContent };
  });

  const commands = {
    async login() {
      await page.goto(url);
      await b.fill('#login-agent', agent);
      await b.fill('#login-password', password);
      await page.click('#login-btn');
      await until(() => window.agentDesktop.sipRegistered && window.agentDesktop.ctiReady);
      return desk();
    },
    async wait_state(s) {
      await until(s => window.agentDesktop.state === s, s);
      return desk();
    },
    async wait_pop() {
      await until(() => { const d = window.agentDesktop; return d.session && !d.talking && d.pop && d.pop.ani; });
      await page.waitForSelector('#answer-btn:enabled');
      const shown = await page.evaluate(() => Object.fromEntries(['pop-ani', 'pop-queue', 'pop-digits', 'pop-call']
        .map(id => [id, document.getElementById(id).textContent])));
      shown.data = await page.evaluate(() => [...document.querySelectorAll('#pop-data tr')].map(tr => tr.innerText.replace('\t', '=')));
      return { ...(await desk()), shown };
    },
    async answer() {
      await page.click('#answer-btn');
      await until(() => window.agentDesktop.talking);
      return desk();
    },
    async hold() {                       // toggles: Hold, then Resume
      const was = await page.evaluate(() => window.agentDesktop.held);
      await page.click('#hold-btn');
      await until(w => window.agentDesktop.held !== w, was);
      return { held: !was };
    },
    async mute() {                       // toggles: Mute, then Unmute
      const was = await page.evaluate(() => window.agentDesktop.muted);
      await page.click('#mute-btn');
      await until(w => window.agentDesktop.muted !== w, was);
      return { muted: !was, label: await page.evaluate(() => document.getElementById('mute-btn').textContent) };
    },
    async transfer(target) {
      await b.fill('#transfer-target', target);
      await page.click('#transfer-btn');
      await until(() => !window.agentDesktop.session);   // the switch releases this leg once the caller has moved
      return desk();
    },
    async ice_restart() {
      const before = await page.evaluate(() => window.agentDesktop.iceRestarts);
      await page.click('#reconnect-btn');
      await until(n => window.agentDesktop.iceRestarts > n, before);
      return desk();
    },
    // The codec each way as the browser's getStats reports it (inbound-rtp / outbound-rtp → codec).
    async codec() {
      return page.evaluate(async () => {
        const s = window.agentDesktop.session, pc = s && s.connection;
        if (!pc) throw new Error('no peer connection');
        const stats = await pc.getStats(), codecs = {}, out = {};
        stats.forEach(r => { if (r.type === 'codec') codecs[r.id] = r; });
        stats.forEach(r => {
          if ((r.type === 'inbound-rtp' || r.type === 'outbound-rtp') && r.kind === 'audio') {
            const c = codecs[r.codecId] || {};
            out[r.type === 'inbound-rtp' ? 'inbound' : 'outbound'] = { mimeType: c.mimeType, clockRate: c.clockRate,
              channels: c.channels, sdpFmtpLine: c.sdpFmtpLine, payloadType: c.payloadType,
              packets: r.type === 'inbound-rtp' ? r.packetsReceived : r.packetsSent };
          }
        });
        return out;
      });
    },
    // RFC 4733 digits from the browser's RTCDTMFSender, each MS long; replies once the last has played.
    async dtmf(tones, ms) {
      return page.evaluate(([tones, ms]) => new Promise((resolve, reject) => {
        const pc = window.agentDesktop.session && window.agentDesktop.session.connection;
        const sender = pc && pc.getSenders().find(x => x.track && x.track.kind === 'audio');
        if (!sender || !sender.dtmf || !sender.dtmf.canInsertDTMF) return reject(new Error('no DTMF sender'));
        sender.dtmf.ontonechange = e => { if (e.tone === '') resolve({ sent: tones }); };
        sender.dtmf.insertDTMF(tones, ms, 70);
      }), [tones, +ms || 100]);
    },
    async peak(ms) { return page.evaluate(ms => window.agentDesktop.remotePeak(ms), +ms || 2000); },
    async shot(path) { await page.screenshot({ path, fullPage: true }); return { path }; },
    async hangup() {
      await page.click('#hangup-btn');
      await until(() => !window.agentDesktop.session);
      return desk();
    },
    async wrapup(code) {
      await page.waitForSelector('#wrapup:not([hidden])');
      await b.select('#disposition', code);
      await page.click('#wrapup-btn');
      await until(() => document.getElementById('wrapup').hidden);
      return desk();
    },
    async wait_idle() { await until(() => !window.agentDesktop.session); return desk(); },
    async state() { return desk(); },
    async sup_state() { return supState(); },
    async sup_wait_call(call) {
      await until(c => { const p = window.supervisorPanel; return p.enabled && !!p.calls[c] &&
        !!document.querySelector(`#sup-calls tr[data-call="${c}"]`); }, call);
      return supState();
    },
    async supervise(mode, call) {
      await page.click(`#sup-calls tr[data-call="${call}"] button.sup-${mode}`);
      await until(([m, c]) => { const p = window.supervisorPanel; return p.callId === c && p.mode === m && p.joined; }, [mode, call]);
      return supState();
    },
    async sup_stats() {                 // the supervision leg's RTP counters and microphone level (getStats)
      return page.evaluate(async () => {
        const s = window.supervisorPanel.session, pc = s && s.connection, out = {};
        if (!pc) throw new Error('no supervision peer connection');
        (await pc.getStats()).forEach(r => {
          if (r.type === 'outbound-rtp') out.sent = r.packetsSent;
          if (r.type === 'inbound-rtp') out.received = r.packetsReceived;
          if (r.type === 'media-source') out.micLevel = r.audioLevel;
        });
        out.senders = pc.getSenders().map(x => x.track && `${x.track.kind}:${x.track.readyState}:${x.track.enabled}`);
        return out;
      });
    },
    async sup_leave() {
      await page.click('#sup-leave');
      await until(() => !window.supervisorPanel.callId);
      return supState();
    },
    async sup_tones(ms, freqs) {
      return page.evaluate(([ms, f]) => window.supervisorPanel.tones(ms, f), [+ms || 2000, freqs.split(',').map(Number)]);
    },
    async cti(name, call) {
      return page.evaluate(([n, c]) => window.agentDesktop.cmd(n, { call: c }).then(d => ({ ok: true, data: d }),
        e => ({ ok: false, error: e.message })), [name, call]);
    },
    async close_tab() { await page.close({ runBeforeUnload: false }); return { closed: true }; },
    async quit() { await browser.close(); return { quit: true }; },
  };

  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [name, ...args] = line.trim().split(' ');
    if (!name) continue;
    try {
      const fn = commands[name];
      if (!fn) throw new Error('unknown command ' + name);
      reply({ ok: true, cmd: name, data: await fn(...args) });
    } catch (e) {
      reply({ ok: false, cmd: name, error: String(e && e.message || e) });
    }
    if (name === 'quit') break;
  }
  await browser.close().catch(() => {});
  process.exit(0);
})().catch(e => { reply({ ok: false, cmd: 'launch', error: String(e) }); process.exit(2); });
