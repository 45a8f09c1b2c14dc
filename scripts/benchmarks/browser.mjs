// Time from navigation to a connected socket in headless Chromium (Debian's, through Playwright),
// for scripts/benchmarks/run.py. Each visit is a fresh browser context (empty cache, new cookie),
// so the figure includes fetching and compiling the page's scripts. "Connected" is the moment the
// page's status element (`[role=status]`) gets `data-state="connected"`: both Parley and the Node
// reference set it once their socket has joined the room. Prints one JSON object:
// {"connected_ms": [...]}, milliseconds since the navigation started (performance.now()).
//
// With `mobile` as the third argument, each page is throttled as Lighthouse's mobile profile
// throttles (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up, through Chromium's own network
// emulation): what the bytes and round trips cost, which loopback hides.
//
// Usage: node browser.mjs <url> <visits> [mobile]
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const [url, visits = '10', network] = process.argv.slice(2);
const MOBILE = { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8), uploadThroughput: (750e3 / 8) };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const connectedMs = [];
try {
  for (let visit = 0; visit < Number(visits); visit += 1) {
    const context = await browser.newContext();
    // The reference reads a display name; Parley needs a signed-in session (its account is made
    // here, before the timed navigation; the reference answers 404 and is left alone).
    await context.addCookies([{ name: 'parley_name', value: `visitor${visit}`, url }]);
    await context.request.post(new URL('/api/sign_up', url).href, {
      form: { name: `visitor${visit}${Date.now()}`, password: 'benchmark password' },
      maxRedirects: 0,
    });
    // Notes the first moment the status says "connected", whatever changes it.
    await context.addInitScript(() => {
      const connected = () =>
        document.querySelector('[role=status]')?.getAttribute('data-state') === 'connected';
      new MutationObserver((_, observer) => {
        if (connected()) {
          window.connectedAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { subtree: true, childList: true, attributes: true });
    });
    const page = await context.newPage();
    if (network === 'mobile') {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', MOBILE);
    }
    await page.goto(url);
    await page.waitForFunction(() => window.connectedAt !== undefined, null, { timeout: 60_000 });
    connectedMs.push(await page.evaluate(() => window.connectedAt));
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ connected_ms: connectedMs }));
