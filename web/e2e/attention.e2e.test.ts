/**
 * Attention in the browser (issue 15), in Debian's Chromium against the whole local system: two users
 * on two gateways. Mentions are completed and highlighted, a mention badges the sidebar, a hidden tab
 * raises a notification, search opens a message in its room, and a network drop is shown at once and
 * the message written meanwhile is delivered once when the network is back.
 */
import { messageLog, sendMessage, seriousViolations, twoUsersInARoom, useBrowserChat, waitForMessage, waitForPersisted } from './browser-support';

const TEST_TIMEOUT_MS = 120_000;

describe('attention in the browser', () => {
  const chat = useBrowserChat();

  const userOn = (gateway: 'g1' | 'g2', colorScheme: 'light' | 'dark' = 'light') => chat.userOn(gateway, { colorScheme });


  it(
    'the @ autocomplete completes a member, the mention is highlighted for the mentioned, badges the sidebar and notifies a hidden tab',
    async () => {
      const ann = await userOn('g1');
      const bob = await userOn('g2');
      await ann.context.grantPermissions(['notifications']);
      // The notifications the page raises, recorded (Chromium headless shows none on screen).
      await ann.page.addInitScript(() => {
        const raised: { title: string; body?: string }[] = [];
        (window as unknown as { __notifications: typeof raised }).__notifications = raised;
        const Native = window.Notification;
        class Recorded extends Native {
          constructor(title: string, options?: NotificationOptions) {
            super(title, options);
            raised.push({ title, body: options?.body });
          }
        }
        Object.defineProperty(Recorded, 'permission', { get: () => Native.permission });
        window.Notification = Recorded as typeof Notification;
      });
      const { annName, roomName } = await twoUsersInARoom(ann.page, bob.page, 'attention');

      // Bob types "@" and the start of Ann's name: the suggestion completes it.
      const box = bob.page.getByLabel('Message', { exact: true });
      await box.pressSequentially(`hey @${annName.slice(0, 5)}`);
      await bob.page.getByRole('option', { name: `@${annName}` }).waitFor();
      await box.press('Enter');
      expect(await box.inputValue()).toBe(`hey @${annName} `);
      await box.pressSequentially('look at this');
      await box.press('Enter');
      const text = `hey @${annName} look at this`;
      await waitForMessage(bob.page, text, { sent: true });
      await waitForMessage(ann.page, text);
      // Mine, for Ann: the strong highlight; for Bob, a mention of someone else.
      await messageLog(ann.page).locator('.mention--me', { hasText: `@${annName}` }).waitFor();
      await messageLog(bob.page).locator('.mention:not(.mention--me)', { hasText: `@${annName}` }).waitFor();

      // Ann leaves the room for the list: the next mention badges the room in the sidebar.
      await ann.page.goto('/#/');
      await ann.page.getByRole('heading', { name: `Welcome, ${annName}` }).waitFor();
      await sendMessage(bob.page, `@${annName} again`);
      const link = ann.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: new RegExp(roomName) });
      await link.locator('.badge--mention').getByText('@1').waitFor();

      // The tab is hidden: a mention raises a notification (permission granted in the context).
      await ann.page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      await sendMessage(bob.page, `@${annName} while hidden`);
      await ann.page.waitForFunction(
        (body) => (window as unknown as { __notifications: { body?: string }[] }).__notifications.some((n) => n.body === body),
        `@${annName} while hidden`,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'search (Ctrl+K) finds a message with its terms marked and Enter opens it in its room',
    async () => {
      const ann = await userOn('g1');
      const bob = await userOn('g2');
      const { annName, bobName, roomName } = await twoUsersInARoom(ann.page, bob.page, 'attention');
      const word = `zebra${Date.now().toString(36)}`;
      await sendMessage(bob.page, `the ${word} deployment finished`);
      await waitForMessage(ann.page, `the ${word} deployment finished`);
      await ann.page.goto('/#/');
      await ann.page.getByRole('heading', { name: `Welcome, ${annName}` }).waitFor();

      await ann.page.keyboard.press('Control+k');
      const dialog = ann.page.getByRole('dialog', { name: 'Search messages' });
      const input = dialog.getByRole('combobox', { name: 'Search' });
      const result = dialog.getByRole('option').filter({ hasText: word });
      // The persister stores the message a moment after it was acked: search again until it is found.
      for (let attempt = 0; attempt < 20 && !(await result.count()); attempt++) {
        await input.fill('');
        await input.fill(`${word} deploy`);
        await result.waitFor({ timeout: 1_000 }).catch(() => undefined);
      }
      await result.waitFor();
      expect(await result.locator('mark').allTextContents()).toEqual([word, 'deployment']);
      await result.getByText(`${bobName} in #${roomName}`).waitFor();
      await input.press('Enter');
      await ann.page.getByRole('heading', { name: `# ${roomName}` }).waitFor();
      await waitForMessage(ann.page, `the ${word} deployment finished`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'after a reload, a room with unread messages opens at the "New messages" line, and the bar jumps back to it',
    async () => {
      const ann = await userOn('g1');
      const bob = await userOn('g2');
      const { annName, roomName } = await twoUsersInARoom(ann.page, bob.page, 'attention');
      await sendMessage(bob.page, 'read already');
      await waitForMessage(ann.page, 'read already');

      // Ann is elsewhere while Bob writes more than her (short) window shows; within his rate limit.
      await ann.page.setViewportSize({ width: 1000, height: 480 });
      await ann.page.goto('/#/');
      await ann.page.getByRole('heading', { name: `Welcome, ${annName}` }).waitFor();
      for (let i = 1; i <= 20; i++) await sendMessage(bob.page, `unread ${i}`);
      await waitForMessage(bob.page, 'unread 20', { sent: true });
      await waitForPersisted(bob.page, 21);

      // A reload (the marker comes back from the server), then the room: the line is above "unread 1", in view.
      await ann.page.reload();
      await ann.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: new RegExp(roomName) }).click();
      const line = messageLog(ann.page).locator('.unread-divider', { hasText: 'New messages' });
      await line.waitFor();
      expect(await messageLog(ann.page).locator('.unread-divider + li').innerText()).toContain('unread 1');
      const lineInView = () =>
        line.evaluate((el) => {
          const box = el.getBoundingClientRect();
          const scroller = el.closest('.message-scroller')!.getBoundingClientRect();
          return box.top >= scroller.top && box.bottom <= scroller.bottom;
        });
      expect(await lineInView()).toBe(true);

      // Down to the newest: the line is out of sight above, and "Jump to unread" brings it back.
      await ann.page.getByRole('button', { name: 'Jump to latest' }).click();
      await waitForMessage(ann.page, 'unread 20');
      await ann.page.getByRole('button', { name: 'Jump to unread' }).click();
      await ann.page.waitForFunction(() => {
        const el = document.querySelector('.unread-divider');
        const scroller = el?.closest('.message-scroller');
        if (!el || !scroller) return false;
        return el.getBoundingClientRect().top >= scroller.getBoundingClientRect().top - 1;
      });
      expect(await lineInView()).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'going offline shows the banner within 5 s, and the message written offline is delivered once when back',
    async () => {
      const ann = await userOn('g1');
      const bob = await userOn('g2');
      await twoUsersInARoom(ann.page, bob.page, 'attention');

      const cut = Date.now();
      await ann.context.setOffline(true);
      await ann.page.getByText('You are offline').waitFor({ timeout: 5_000 });
      expect(Date.now() - cut).toBeLessThan(5_000);

      const text = `written offline ${Date.now().toString(36)}`;
      await sendMessage(ann.page, text);
      await messageLog(ann.page).locator('[data-status="pending"], [data-status="failed"]').filter({ hasText: text }).waitFor();
      await ann.context.setOffline(false);
      await waitForMessage(ann.page, text, { sent: true });
      await waitForMessage(bob.page, text);
      await ann.page.getByText('You are offline').waitFor({ state: 'hidden' });
      // Once: a resend carries the same clientMsgId, and the server stores and delivers it once.
      await sendMessage(ann.page, 'after it');
      await waitForMessage(bob.page, 'after it');
      expect(await messageLog(bob.page).getByText(text, { exact: true }).count()).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'axe-core finds no serious or critical violation on the login, room (light and dark), thread and search screens',
    async () => {
      const problems: string[] = [];
      for (const scheme of ['light', 'dark'] as const) {
        const ann = await userOn('g1', scheme);
        const bob = await userOn('g2', scheme);
        await ann.page.goto('/');
        await ann.page.getByRole('button', { name: 'Create an account' }).waitFor();
        if (scheme === 'light') problems.push(...(await seriousViolations(ann.page, 'login')));
        const { annName } = await twoUsersInARoom(ann.page, bob.page, 'attention');
        await sendMessage(bob.page, `hello @${annName}, a **bold** word and \`code\``);
        await waitForMessage(ann.page, `hello @${annName}, a bold word and code`).catch(() => undefined);
        await messageLog(ann.page).getByRole('listitem').filter({ hasText: 'bold' }).waitFor();
        problems.push(...(await seriousViolations(ann.page, `room (${scheme})`)));
        if (scheme === 'light') {
          const row = messageLog(ann.page).getByRole('listitem').filter({ hasText: 'bold' });
          await row.hover();
          await row.getByRole('button', { name: 'Reply in thread' }).click();
          await ann.page.getByRole('complementary', { name: 'Thread' }).waitFor();
          problems.push(...(await seriousViolations(ann.page, 'thread')));
          await ann.page.keyboard.press('Control+k');
          const dialog = ann.page.getByRole('dialog', { name: 'Search messages' });
          await dialog.getByRole('combobox', { name: 'Search' }).fill('hello');
          await dialog.getByText(/No messages found|in #/).first().waitFor();
          problems.push(...(await seriousViolations(ann.page, 'search')));
        }
      }
      expect(problems).toEqual([]);
    },
    TEST_TIMEOUT_MS * 2,
  );
});
