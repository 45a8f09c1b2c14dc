// The Content-Security-Policy lets the page hydrate and connect with nothing refused, and no other
// site can frame Parley's pages.
import { test, expect, tag } from './fixtures';

test('the page hydrates and connects with no script, style or socket refused', async ({ people, javaScriptEnabled }) => {
  const page = await people.page(javaScriptEnabled);
  await page.addInitScript(() => {
    (window as unknown as { refused: string[] }).refused = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { refused: string[] }).refused.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  await people.enter(`Csp${tag()}`, javaScriptEnabled, page);
  const policy = (await page.request.get('/r/lobby')).headers()['content-security-policy'];
  expect(policy).toContain("frame-ancestors 'none'");
  if (javaScriptEnabled) {
    // Connected means the WASM compiled, hydration ran and the socket opened: all under the policy.
    await expect(page.getByRole('status')).toHaveAttribute('data-state', 'connected');
    expect(await page.evaluate(() => (window as unknown as { refused: string[] }).refused)).toEqual([]);
  }
});

test('another site cannot frame a page', async ({ page, baseURL }) => {
  const refused = page.waitForEvent('console', (message) => /frame-ancestors/.test(message.text()));
  // A page of another origin (about:blank here) embedding Parley's lobby.
  await page.setContent(`<iframe src="${baseURL}/r/lobby"></iframe>`);
  await refused;
  // The frame shows the browser's own error page, not the room.
  const frame = page.frames().find((f) => f !== page.mainFrame());
  expect(frame).toBeDefined();
  expect(await frame?.getByRole('list', { name: 'Messages' }).count()).toBe(0);
});
