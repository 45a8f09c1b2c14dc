// What a first visit to each kind of page downloads, as served (compressed bodies), in headless
// Chromium (Debian's, through Playwright), for scripts/benchmarks/run.py. Each page is opened in a
// fresh browser context (empty cache) and counted once the network is idle (in a room, once the
// socket has joined): the document plus every
// response under /pkg/ (the WASM bundle and its chunks, JS, CSS), from the Resource Timing API's
// `encodedBodySize`. Prints one JSON object: {"<page kind>": {"bytes": n, "files": n}, ...}.
//
// Usage: node transfer.mjs <base url>
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const [base] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/** Opens `path` in a fresh context (signed in first when `signedIn`) and sums what it fetched. */
async function visit(path, signedIn, ready) {
  const context = await browser.newContext();
  try {
    if (signedIn) {
      await context.request.post(new URL('/api/sign_up', base).href, {
        form: { name: `reader${Date.now()}`, password: 'benchmark password' },
        maxRedirects: 0,
      });
    }
    const page = await context.newPage();
    await page.goto(new URL(path, base).href);
    await page.waitForFunction(ready, null, { timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    return await page.evaluate(() => {
      const entries = [performance.getEntriesByType('navigation')[0],
        ...performance.getEntriesByType('resource')
          .filter((entry) => new URL(entry.name).pathname.startsWith('/pkg/'))];
      return {
        bytes: entries.reduce((sum, entry) => sum + entry.encodedBodySize, 0),
        files: entries.length,
      };
    });
  } finally {
    await context.close();
  }
}

const loaded = () => document.readyState === 'complete';
const connected = () =>
  document.querySelector('[role=status]')?.getAttribute('data-state') === 'connected';

const out = {};
try {
  out['sign-in'] = await visit('/', false, loaded);
  out.lobby = await visit('/r/lobby', true, connected);
  out.account = await visit('/account', true, loaded);
  out.search = await visit('/search?q=hello', true, loaded);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
