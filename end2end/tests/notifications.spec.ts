// Browser notifications: permission is asked for only on a click, and a mention arriving while
// the tab is hidden shows one. The page's Notification API is observed (and the tab's
// visibility set) through an init script; the browser's own implementation still runs.
import { test, expect, tag, send, accountMenu } from './fixtures';

test('permission is asked for only when the person clicks', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'notifications need JavaScript');
  const ada = await people.page(true);
  await ada.addInitScript(() => {
    const w = window as unknown as { asked: number };
    w.asked = 0;
    const original = Notification.requestPermission.bind(Notification);
    Notification.requestPermission = (...args) => {
      w.asked += 1;
      return original(...args);
    };
  });
  await people.enter(`Ada${tag()}`, true, ada);
  // In the account menu (the header of a phone has no room for it).
  await accountMenu(ada);
  const enable = ada.getByRole('button', { name: 'Enable notifications' });
  await expect(enable).toBeVisible();
  expect(await ada.evaluate(() => (window as unknown as { asked: number }).asked)).toBe(0);
  await enable.click();
  await expect.poll(() => ada.evaluate(() => (window as unknown as { asked: number }).asked)).toBe(1);
  await expect(enable).toHaveCount(0);
});

test('a mention arriving while the tab is hidden shows a notification', async ({ people, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'notifications need JavaScript');
  const adaName = `Ada${tag()}`;
  const bobName = `Bob${tag()}`;
  const ada = await people.page(true, { permissions: ['notifications'] });
  await ada.addInitScript(() => {
    const w = window as unknown as { hidden: boolean; shown: { title: string; body?: string }[] };
    w.hidden = false;
    w.shown = [];
    Object.defineProperty(Document.prototype, 'hidden', { get: () => w.hidden, configurable: true });
    const Real = window.Notification;
    class Observed extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        w.shown.push({ title, body: options?.body });
      }
    }
    window.Notification = Observed;
  });
  await people.enter(adaName, true, ada);
  await expect(ada.getByRole('button', { name: 'Enable notifications' })).toHaveCount(0);
  const bob = await people.enter(bobName, true);

  await send(bob, `while you look ${tag()} @${adaName}`, true);
  await ada.evaluate(() => ((window as unknown as { hidden: boolean }).hidden = true));
  await send(bob, `no mention here ${tag()}`, true);
  const mention = `@${adaName} are you there?`;
  await send(bob, mention, true);
  const shown = () => ada.evaluate(() => (window as unknown as { shown: unknown[] }).shown);
  await expect.poll(shown).toEqual([{ title: `${bobName} in #lobby`, body: mention }]);
});
