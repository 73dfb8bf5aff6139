// Opens the Hotline wallboard in headless Chromium (playwright-core), waits
// until it shows a caller waiting in a queue and that queue's wait alert,
// prints what the page shows as JSON and saves a screenshot.
// Usage: node wallboard.js URL QUEUE SCREENSHOT.png
const { chromium } = require('playwright-core');
(async () => {
  const [url, queue, shot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions'],
  });
  const page = await browser.newPage({ viewport: { width: 1360, height: 640 } });
  page.on('console', (m) => console.error('[console]', m.text()));
  await page.goto(url);
  page.on('response', (r) => { if (r.status() >= 400) console.error('[http]', r.status(), r.url()); });
  try {
    await page.waitForFunction((q) => {
      const w = document.querySelector(`tr[data-queue="${q}"] .waiting`);
      return w && w.textContent === '1' && document.querySelector(`.alert[data-kind="queue_wait"]`);
    }, queue, { timeout: 25000 });
  } catch (e) {
    console.error('[page]', await page.evaluate(() => document.body.innerText));
    throw e;
  }
  await page.waitForTimeout(1200); // one more tick: the clocks move on
  const seen = await page.evaluate((q) => {
    const row = document.querySelector(`tr[data-queue="${q}"]`);
    return {
      link: document.getElementById('link').textContent,
      waiting: row.querySelector('.waiting').textContent,
      longest: row.querySelector('.longest').textContent,
      alerts: [...document.querySelectorAll('.alert')].map((a) => a.textContent),
      agents: [...document.querySelectorAll('#agents tbody tr')].map((r) => r.dataset.agent + ':' + r.querySelector('.state').textContent),
    };
  }, queue);
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify(seen));
  await browser.close();
})().catch((e) => { console.error('FAIL ' + e); process.exit(1); });
