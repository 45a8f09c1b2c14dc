// Shared helpers: people entering the lobby in their own browser contexts, message locators,
// and a guard that fails a test on any uncaught page error (a WASM panic, a hydration error).
import { test as base, expect, type Browser, type BrowserContextOptions, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

// Console errors the browser prints for network failures a test causes on purpose.
const EXPECTED_NOISE = [/Failed to load resource/, /net::ERR_/, /WebSocket connection to/, /WebSocket is closed/];

type Fixtures = { people: People };

export class People {
  private pages: Page[] = [];
  readonly errors: string[] = [];

  constructor(private browser: Browser, private baseURL: string) {}

  /** A new browser context, its page watched for errors. */
  async page(javaScriptEnabled: boolean, options: BrowserContextOptions = {}): Promise<Page> {
    const context = await this.browser.newContext({ baseURL: this.baseURL, javaScriptEnabled, ...options });
    const page = await context.newPage();
    page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !EXPECTED_NOISE.some((noise) => noise.test(message.text()))) {
        this.errors.push(`console: ${message.text()}`);
      }
    });
    this.pages.push(page);
    return page;
  }

  /** Someone who created the account `name` on the home page and landed in the lobby (live if
   * JavaScript runs). */
  async enter(name: string, javaScriptEnabled: boolean, page?: Page): Promise<Page> {
    page ??= await this.page(javaScriptEnabled);
    await page.goto('/');
    const form = page.getByRole('form', { name: 'Create an account' });
    await form.getByLabel('Choose a name').fill(name);
    await form.getByLabel('Choose a password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Create account' }).click();
    await expect(page).toHaveURL(/\/r\/lobby$/);
    if (javaScriptEnabled) {
      await expect(page.getByRole('status')).toHaveAttribute('data-state', 'connected');
    }
    return page;
  }

  /** A second tab of `page`'s browser (same cookies, same session) on the lobby, live. */
  async secondTab(page: Page): Promise<Page> {
    const tab = await page.context().newPage();
    await tab.goto('/r/lobby');
    await expect(tab.getByRole('status')).toHaveAttribute('data-state', 'connected');
    return tab;
  }

  async close() {
    for (const page of this.pages) await page.context().close();
  }
}

export const test = base.extend<Fixtures>({
  people: async ({ browser, baseURL }, use) => {
    const people = new People(browser, baseURL ?? '');
    await use(people);
    await people.close();
    expect(people.errors, 'errors on the pages').toEqual([]);
  },
});

export { expect };

/** Every test account's password. */
export const PASSWORD = 'correct horse battery staple';

/** Signs in on the home page's form (the account exists). */
export async function signIn(page: Page, name: string, password = PASSWORD) {
  await page.goto('/');
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

/** A short random tag, so that tests sharing one server never see each other's messages. */
export const tag = () => Math.random().toString(36).slice(2, 8);

/** The rows of the conversation that contain `text`. */
export const messages = (page: Page, text: string) =>
  page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: text });

/** Writes and sends a message: Enter when JavaScript runs, the Send button otherwise. */
export async function send(page: Page, text: string, javaScriptEnabled: boolean) {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  if (javaScriptEnabled) await box.press('Enter');
  else await page.getByRole('button', { name: 'Send' }).click();
}

/** Makes `name` a server admin as an operator does: `parley admin grant NAME` on the test
 * server's database (see playwright.config.ts). */
export function grantAdmin(name: string) {
  const database = `sqlite:${join(process.env.PARLEY_E2E_DATA_DIR ?? '', 'parley.db')}`;
  execFileSync(process.env.PARLEY_E2E_BINARY ?? 'parley', ['admin', 'grant', name], {
    cwd: resolve(__dirname, '..', '..'),
    env: { ...process.env, PARLEY_DATABASE_URL: database, RUST_LOG: 'warn' },
  });
}

/** Every axe-core violation on the page as it is now, of any impact (WCAG 2.x A and AA rules
 * and axe's best practices), as readable lines: a test expects none. axe runs as a script in
 * the page, so only where JavaScript runs; the server renders the same document (hydration
 * adds no element), so the run with JavaScript checks both. */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map(
    (v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
}

/** The room list (the sidebar; a drawer on a phone). */
export const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Rooms' });

/** Creates a room with the sidebar's "New room" form. */
export async function createRoom(page: Page, name: string, isPrivate = false) {
  const nav = sidebar(page);
  const disclosure = nav.locator('details.new', { hasText: 'New room' });
  if (!(await disclosure.evaluate((d) => (d as HTMLDetailsElement).open))) {
    await disclosure.locator('summary').click();
  }
  await nav.getByLabel('Room name').fill(name);
  if (isPrivate) await nav.getByLabel('Private (by invitation)').check();
  await nav.getByRole('button', { name: 'Create room' }).click();
}

/** Opens a direct conversation with `name` from the sidebar's "Direct message" form. */
export async function openDirect(page: Page, name: string) {
  const nav = sidebar(page);
  await nav.locator('summary', { hasText: 'Direct message' }).click();
  await nav.getByLabel('Their name').fill(name);
  await nav.getByRole('button', { name: 'Open conversation' }).click();
}

/** Opens the header's account menu (Account, Admin, Leave room, Sign out) and returns it. */
export async function accountMenu(page: Page) {
  const menu = page.locator('details.menu');
  if (!(await menu.evaluate((d) => (d as HTMLDetailsElement).open))) await menu.locator('summary').click();
  return menu;
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** Checks the page as it is now in both colour schemes and both sizes, and saves screenshots. */
export async function review(page: Page, kind: string, javaScriptEnabled: boolean, ready: () => Promise<void>) {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const viewport of [PHONE, DESKTOP]) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize(viewport);
      await ready();
      // A resize starts the drawer's transition: let it end before looking.
      await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
      const where = `${kind}, ${colorScheme}, ${viewport.width} px`;
      if (javaScriptEnabled) expect(await axeViolations(page), where).toEqual([]);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${where}: no sideways scrolling`).toBeLessThanOrEqual(viewport.width);
      const js = javaScriptEnabled ? 'js' : 'nojs';
      await page.screenshot({ path: test.info().outputPath(`${kind}-${colorScheme}-${viewport.width}-${js}.png`), animations: 'disabled' });
    }
  }
}
