// Drives the wallboard in headless Chromium for TestWallboardShowsWaitingCallAndAlert:
// opens URL (a ?token= link), then reports what the page shows as JSON lines on stdout:
//   {"step":"ready"}                  the board is live and shows QUEUE's tile
//   {"step":"waiting","at":ms,...}    the tile's waiting count became >= 1 (read from the DOM)
//   {"step":"alert","at":ms,...}      the wait_above alert for QUEUE is on the board
//   {"step":"agent_alert",...}        (with AGENT) the not_ready_above alert for AGENT is on the board
//   {"step":"done"}                   the screenshot is written
// Usage: NODE_PATH=.cache/node/node_modules node wallboard.js URL SCREENSHOT QUEUE [AGENT]
const { chromium } = require('playwright-core');
const say = (o) => console.log(JSON.stringify(o));
(async () => {
  const [url, shot, queue, agent] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions',
      '--metrics-recording-only', '--no-default-browser-check'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('console', (m) => console.error('[console]', m.text()));
  await page.goto(url);
  await page.waitForSelector('#status.live', { timeout: 15000 });
  const tile = `.queue[data-queue="${queue}"]`;
  await page.waitForSelector(tile, { timeout: 10000 });
  const text = (sel) => page.$eval(sel, (e) => e.textContent.trim());
  say({ step: 'ready', path: new URL(page.url()).pathname + new URL(page.url()).search, waiting: +(await text(tile + ' .waiting')) });

  await page.waitForFunction((sel) => { const e = document.querySelector(sel); return e && +e.textContent >= 1; },
    tile + ' .waiting', { polling: 20, timeout: 60000 });
  say({ step: 'waiting', at: Date.now(), waiting: +(await text(tile + ' .waiting')), longest: await text(tile + ' .longest') });

  const alertSel = `#alert-list li[data-kind="wait_above"][data-queue="${queue}"]`;
  await page.waitForSelector(alertSel, { timeout: 60000 });
  say({ step: 'alert', at: Date.now(), text: await text(alertSel), longest: await text(tile + ' .longest'),
    tile_alerting: await page.$eval(tile, (e) => e.classList.contains('alerting')) });

  if (agent) {
    const sel = `#alert-list li[data-kind="not_ready_above"][data-agent="${agent}"]`;
    await page.waitForSelector(sel, { timeout: 30000 });
    say({ step: 'agent_alert', text: await text(sel), state: await text(`#agents tr[data-agent="${agent}"] .state`),
      time: await text(`#agents tr[data-agent="${agent}"] .time`) });
  }
  await page.waitForTimeout(1200); // let the waits tick past the alert limit for the picture
  await page.screenshot({ path: shot, fullPage: true });
  say({ step: 'done' });
  await browser.close();
})().catch((e) => { say({ step: 'error', error: String(e) }); process.exit(1); });
