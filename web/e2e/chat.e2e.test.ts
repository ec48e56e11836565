/**
 * Browser tests of the whole local system: Debian's Chromium driven by playwright-core against the
 * app nginx serves (CHAT_BASE_URL, or a system of the test run's own under `npm test`), two users in two browser contexts
 * pinned to different gateways. `npm test` runs them on a system of its own; against a running one (`npm start`):
 * `npm run test:browser -w @chat/web` (CHAT_BASE_URL, default http://localhost:8080).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AuthResponse, ClientToServerEvents, RoomResponse, ServerToClientEvents } from '@chat/protocol';
import { io, type Socket } from 'socket.io-client';
import {
  acceptInvitation,
  api,
  apiGateway,
  BASE_URL,
  createRoom,
  cuttableSocket,
  inviteByName,
  messageLog,
  reconnectingBanner,
  SCREENSHOT_DIR,
  sendMessage,
  signUp,
  uniqueUsername,
  useBrowserChat,
  waitForChat,
  waitForMessage,
  waitForPersisted,
  watchSocketGateways,
} from './browser-support';

const PASSWORD = 'correct horse battery';
const SCRIPT_INJECTION = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 1">';
const TEST_TIMEOUT_MS = 120_000;

describe('chat in the browser', () => {
  const chat = useBrowserChat();

  async function userOn(gateway: 'g1' | 'g2', viewport?: { width: number; height: number }, colorScheme?: 'light' | 'dark') {
    const user = await chat.userOn(gateway, { viewport, colorScheme });
    return { ...user, socketGateways: await watchSocketGateways(user.page) };
  }

  it(
    'two users on different gateways invite, talk both ways, survive a reload, and see markup as text',
    async () => {
      const ann = await userOn('g1');
      const bob = await userOn('g2');
      const annName = uniqueUsername('ann');
      const bobName = uniqueUsername('bob');
      const roomName = `e2e room ${Date.now().toString(36)}`;

      // The two contexts really are served by two gateways, for the API and for the socket.
      const [annGateway, bobGateway] = [await apiGateway(ann.context), await apiGateway(bob.context)];
      expect(annGateway).not.toBe(bobGateway);

      await signUp(ann.page, annName, PASSWORD);
      await signUp(bob.page, bobName, PASSWORD);
      expect(ann.socketGateways.at(-1)).toBe(annGateway);
      expect(bob.socketGateways.at(-1)).toBe(bobGateway);

      // Ann creates a private room and invites Bob; the invitation appears on Bob's screen without a reload.
      await createRoom(ann.page, roomName, 'private');

      await inviteByName(ann.page, roomName, bobName);

      // The invitation reaches Bob at once; he is in the room only once he accepts it.
      await acceptInvitation(bob.page, roomName);

      // Bob's typing shows on Ann's screen (his first signal in the room: no throttle holds it back).
      await bob.page.getByLabel('Message', { exact: true }).pressSequentially('typing something');
      await ann.page.getByText(`${bobName} is typing…`).waitFor();
      await bob.page.getByLabel('Message', { exact: true }).fill('');

      // Messages both ways, across the gateways; each sender sees its message acknowledged.
      await sendMessage(ann.page, `hello ${bobName}, this is ${annName}`);
      await waitForMessage(ann.page, `hello ${bobName}, this is ${annName}`, { sent: true });
      await waitForMessage(bob.page, `hello ${bobName}, this is ${annName}`);

      await bob.page.getByLabel('Message', { exact: true }).fill('hi Ann! see https://example.org/docs');
      await bob.page.getByRole('button', { name: /send/i }).click();
      await waitForMessage(bob.page, 'hi Ann! see https://example.org/docs', { sent: true });
      await waitForMessage(ann.page, 'hi Ann! see https://example.org/docs');
      expect(await messageLog(ann.page).getByRole('link', { name: 'https://example.org/docs' }).getAttribute('href')).toBe(
        'https://example.org/docs',
      );

      // Who is online, as the other user sees it.
      await ann.page.getByRole('group', { name: 'Online now' }).getByText(bobName).waitFor();

      // What a user types is shown as text, never run or rendered as HTML.
      await sendMessage(ann.page, SCRIPT_INJECTION);
      await waitForMessage(ann.page, SCRIPT_INJECTION, { sent: true });
      await waitForMessage(bob.page, SCRIPT_INJECTION);
      for (const page of [ann.page, bob.page]) {
        expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
        expect(await messageLog(page).locator('img, script').count()).toBe(0);
      }

      // Bob reloads: the session survives, the same room opens, and its history is there in order.
      await waitForPersisted(bob.page, 3);
      await bob.page.reload();
      await waitForChat(bob.page);
      await bob.page.getByRole('heading', { name: `# ${roomName}` }).waitFor();
      await waitForMessage(bob.page, SCRIPT_INJECTION);
      const bodies = await messageLog(bob.page).locator('.message__body').allTextContents();
      expect(bodies).toEqual([`hello ${bobName}, this is ${annName}`, 'hi Ann! see https://example.org/docs', SCRIPT_INJECTION]);
      expect(bob.socketGateways.at(-1)).toBe(bobGateway);

      // And a reply after the reload still reaches Ann live.
      await sendMessage(bob.page, 'back after a reload');
      await waitForMessage(ann.page, 'back after a reload');

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await ann.page.screenshot({ path: path.join(SCREENSHOT_DIR, 'room.png') });

      expect(ann.errors).toEqual([]);
      expect(bob.errors).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a banner while the connection is down, then catches up without a reload or a duplicate',
    async () => {
      const ann = await userOn('g1');
      const bob = await userOn('g2');
      const bobSocket = await cuttableSocket(bob.page);
      const roomName = `e2e public ${Date.now().toString(36)}`;
      await signUp(ann.page, uniqueUsername('ann'), PASSWORD);
      await signUp(bob.page, uniqueUsername('bob'), PASSWORD);

      // Ann opens a public room; Bob finds it in the directory and joins.
      await createRoom(ann.page, roomName);
      await bob.page.getByRole('button', { name: 'Browse public rooms' }).click();
      await bob.page.getByRole('dialog', { name: 'Browse public rooms' }).getByRole('button', { name: `Join ${roomName}` }).click();
      await bob.page.getByRole('heading', { name: `# ${roomName}` }).waitFor();

      await sendMessage(ann.page, 'before the drop');
      await waitForMessage(bob.page, 'before the drop');

      await bobSocket.cut();
      await reconnectingBanner(bob.page).waitFor();

      await sendMessage(ann.page, 'while you were away');
      await waitForMessage(ann.page, 'while you were away', { sent: true });

      bobSocket.restore();
      await reconnectingBanner(bob.page).waitFor({ state: 'hidden' });
      await waitForMessage(bob.page, 'while you were away');
      expect(await messageLog(bob.page).getByText('while you were away', { exact: true }).count()).toBe(1);
      expect(await messageLog(bob.page).locator('.message__body').allTextContents()).toEqual([
        'before the drop',
        'while you were away',
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a send without an answer as failed, and sends it again by itself once the link is back, stored once',
    async () => {
      const ann = await userOn('g1');
      const annSocket = await cuttableSocket(ann.page);
      await signUp(ann.page, uniqueUsername('ann'), PASSWORD);
      await createRoom(ann.page, 'retry room');

      await annSocket.cut();
      await reconnectingBanner(ann.page).waitFor();
      await sendMessage(ann.page, 'written during the outage');
      const item = messageLog(ann.page).getByRole('listitem').filter({ hasText: 'written during the outage' });
      await item.getByRole('status').getByText('Sending…').waitFor();
      // No ack arrives (the client waits 8 s for one): the message is marked failed.
      await item.getByRole('alert').getByText(/Not sent/).waitFor({ timeout: 20_000 });

      annSocket.restore();
      await reconnectingBanner(ann.page).waitFor({ state: 'hidden' });
      // No click: a send that failed for want of a link goes again, with its clientMsgId, on reconnect.
      await waitForMessage(ann.page, 'written during the outage', { sent: true });
      await waitForPersisted(ann.page, 1);
      await ann.page.reload();
      await waitForChat(ann.page);
      await waitForMessage(ann.page, 'written during the outage', { sent: true });
      expect(await messageLog(ann.page).locator('.message__body').allTextContents()).toEqual(['written during the outage']);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'loads older history while scrolling up, keeps the reader in place, and shows every message once in order',
    async () => {
      // Setup through the API and plain sockets: 60 messages, more than one page, from three users
      // (each stays under the per-user message rate limit), each send awaiting its ack so ids follow the numbers.
      const people = await Promise.all(
        ['hist_a', 'hist_b', 'hist_c'].map((prefix) =>
          api<AuthResponse>('POST', '/api/auth/register', { username: uniqueUsername(prefix), password: PASSWORD }),
        ),
      );
      const [owner, ...others] = people as [AuthResponse, AuthResponse, AuthResponse];
      const { room } = await api<RoomResponse>('POST', '/api/rooms', { name: `e2e history ${Date.now().toString(36)}`, visibility: 'public' }, owner.token);
      for (const other of others) await api('POST', `/api/rooms/${room.id}/join`, undefined, other.token);
      const bodies = Array.from({ length: 60 }, (_, i) => `history ${String(i + 1).padStart(2, '0')}`);
      for (const [index, person] of people.entries()) {
        const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(BASE_URL, {
          path: '/socket.io',
          auth: { token: person.token },
          transports: ['websocket'],
        });
        try {
          for (const [n, body] of bodies.slice(index * 20, index * 20 + 20).entries()) {
            const ack = await socket.timeout(10_000).emitWithAck('message:send', { roomId: room.id, body, clientMsgId: `hist-${index}-${n}` });
            if (!ack.ok) throw new Error(`send refused: ${ack.error.code} ${ack.error.message}`);
          }
        } finally {
          socket.disconnect();
        }
      }

      const { page, errors } = await userOn('g1');
      await page.goto('/');
      await page.getByLabel('Username').fill(owner.user.username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await waitForChat(page);
      await page.getByRole('link', { name: room.name }).click();
      await waitForPersisted(page, 60);
      await page.reload();
      await waitForChat(page);

      // The newest page first, scrolled to the newest message.
      await waitForMessage(page, 'history 60');
      expect(await messageLog(page).locator('.message__body').allTextContents()).toEqual(bodies.slice(10));

      // Scrolling to the top loads the rest; the message that was on top stays in view.
      const scroller = page.getByLabel('Message history');
      await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
      await page.getByText('This is the beginning of the conversation.').waitFor();
      expect(await messageLog(page).locator('.message__body').allTextContents()).toEqual(bodies);
      const stillInView = await page.getByText('history 11', { exact: true }).evaluate((el) => {
        const box = el.getBoundingClientRect();
        const view = (el.closest('.message-scroller') as HTMLElement).getBoundingClientRect();
        return box.top >= view.top && box.bottom <= view.bottom;
      });
      expect(stillInView).toBe(true);
      expect(errors).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'starts a direct conversation by username, which appears for the other user too',
    async () => {
      const ann = await userOn('g1');
      const bob = await userOn('g2');
      const annName = uniqueUsername('ann');
      const bobName = uniqueUsername('bob');
      await signUp(ann.page, annName, PASSWORD);
      await signUp(bob.page, bobName, PASSWORD);

      await ann.page.getByRole('button', { name: 'New direct message' }).click();
      const dialog = ann.page.getByRole('dialog', { name: 'New direct message' });
      await dialog.getByLabel('Username').fill(uniqueUsername('nobody'));
      await dialog.getByRole('button', { name: 'Start conversation' }).click();
      await dialog.getByRole('alert').getByText(/no user named/).waitFor();
      await dialog.getByLabel('Username').fill(bobName);
      await dialog.getByRole('button', { name: 'Start conversation' }).click();
      await ann.page.getByRole('heading', { name: bobName }).waitFor();

      const directs = bob.page.getByRole('list', { name: 'Direct messages' });
      await directs.getByRole('link', { name: annName }).click();
      await bob.page.getByRole('heading', { name: annName }).waitFor();
      await sendMessage(ann.page, 'just between us');
      await waitForMessage(bob.page, 'just between us');
      // Chromium logs the one expected failure, the 404 of the unknown username; nothing else may appear.
      expect(ann.errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
      expect(bob.errors).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a taken username, a weak password and wrong credentials next to the form',
    async () => {
      const { page } = await userOn('g1');
      const name = uniqueUsername('carol');
      await signUp(page, name, PASSWORD);
      await page.getByRole('button', { name: 'Log out' }).click();

      await page.getByRole('button', { name: 'Log in' }).waitFor();
      await page.getByLabel('Username').fill(name);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').getByText('Wrong username or password.').waitFor();

      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByLabel('Username').fill(name);
      await page.getByLabel('Password').fill('short');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByText(/Password is too weak/).waitFor();

      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByText('That username is taken. Try another one.').waitFor();
      expect(await page.getByLabel('Username').getAttribute('aria-invalid')).toBe('true');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'works by keyboard on a phone-width screen in the dark theme: room list, then the room with a way back',
    async () => {
      const { page, errors } = await userOn('g2', { width: 375, height: 740 }, 'dark');
      await signUp(page, uniqueUsername('dave'), PASSWORD);
      // The dark theme follows the system setting.
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number) as [number, number, number];
      expect(0.2126 * r + 0.7152 * g + 0.0722 * b).toBeLessThan(60);

      // Dialogs: focus lands in the first field, Escape closes, Enter submits.
      await page.getByRole('button', { name: 'Browse public rooms' }).click();
      await page.getByRole('dialog', { name: 'Browse public rooms' }).waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog', { name: 'Browse public rooms' }).waitFor({ state: 'hidden' });
      await page.getByRole('button', { name: 'Create room' }).click();
      await page.keyboard.type('phone room');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: '# phone room' }).waitFor();

      // One pane at a time: the room list is out of the way while a room is open.
      expect(await page.getByRole('navigation', { name: 'Rooms' }).isVisible()).toBe(false);
      const long = 'a'.repeat(300);
      await sendMessage(page, long);
      await waitForMessage(page, long, { sent: true });
      // A long word wraps instead of widening the page.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'room-phone-dark.png') });
      await page.getByRole('link', { name: 'Back to rooms' }).click();
      await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
      expect(errors).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
