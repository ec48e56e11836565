import { existsSync } from 'node:fs';
import path from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page, type WebSocketRoute } from 'playwright-core';

/**
 * Where the app is served (nginx in front of the gateways): CHAT_BASE_URL when set (a running `npm start`,
 * or any deployment); otherwise `startChat()` starts a system of the test run's own and sets it.
 */
export let BASE_URL = (process.env.CHAT_BASE_URL ?? '').replace(/\/$/, '');

/**
 * Makes sure there is a chat to test: the one CHAT_BASE_URL names, or, under `npm test`, a fresh system
 * (two gateways, persister, nginx serving web/dist) on the run's PostgreSQL, Redis and Kafka. Returns
 * what stops it.
 */
export async function startChat(options: { thumbnails?: boolean } = {}): Promise<() => Promise<void>> {
  if (BASE_URL) return async () => undefined;
  const { startSystem } = await import('@chat/testing');
  const system = await startSystem({ gateways: 2, ...options });
  BASE_URL = system.baseUrl;
  return system.stop;
}
/** Debian's Chromium: Playwright's own browser download cannot work on the build machines. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots land here, at the repository root, for CI to keep as artifacts. */
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'artifacts', 'screenshots');
/** The cookie nginx reads to pick a gateway (values g1, g2): pins a browser context to one gateway. */
export const GATEWAY_COOKIE = 'chat_gw';
/** The header every gateway HTTP response carries, naming the gateway that served it. */
export const GATEWAY_HEADER = 'x-gateway-id';

/**
 * Starts headless Chromium. A missing browser or an unreachable system fails the suite with what to
 * do about it: a browser test that silently skips proves nothing.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
  }
  try {
    await fetch(BASE_URL, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    throw new Error(`The chat is not reachable at ${BASE_URL} (${String(error)}): start it with \`npm start\` and set CHAT_BASE_URL, or run the tests through \`npm test\``);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // As root in a container there is no sandbox to use; the machine's network is closed, so Chromium's
    // background connections (updates, safe browsing) would only fail and slow it down.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A fresh browser context (own cookies and storage: one user) whose requests nginx sends to `gateway`. */
export async function contextOnGateway(
  browser: Browser,
  gateway: 'g1' | 'g2',
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
  colorScheme: 'light' | 'dark' = 'light',
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, colorScheme, baseURL: BASE_URL });
  // Generous: every wait is on something visible, so a longer limit costs nothing when all is well and
  // keeps a busy CI machine from failing a test that would have passed.
  context.setDefaultTimeout(30_000);
  await context.addCookies([{ name: GATEWAY_COOKIE, value: gateway, url: BASE_URL }]);
  return context;
}

/** A user of a {@link useBrowserChat} suite: a context pinned to a gateway, its page, and the page's errors. */
export interface BrowserUser {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/**
 * The setup every browser suite shares: a system (see {@link startChat}) and Chromium for the suite,
 * closed after it with every context opened through it. Call at the top of a `describe`.
 */
export function useBrowserChat(options: { thumbnails?: boolean } = {}) {
  let browser: Browser | undefined;
  let stopChat: (() => Promise<void>) | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stopChat = await startChat(options);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stopChat?.();
  });

  const newContext = async (gateway: 'g1' | 'g2', viewport?: { width: number; height: number }, colorScheme?: 'light' | 'dark'): Promise<BrowserContext> => {
    const context = await contextOnGateway(browser!, gateway, viewport, colorScheme);
    contexts.push(context);
    return context;
  };

  return {
    newContext,
    /** A new user's context and page, nginx sending them to `gateway`. */
    async userOn(gateway: 'g1' | 'g2', o: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserUser> {
      const context = await newContext(gateway, o.viewport, o.colorScheme);
      const page = await context.newPage();
      return { context, page, errors: collectPageErrors(page) };
    },
  };
}

/** Which gateway answers this context's API requests (the header is on errors too, so no login is needed). */
export async function apiGateway(context: BrowserContext): Promise<string> {
  const response = await context.request.get(`${BASE_URL}/api/me`);
  const id = response.headers()[GATEWAY_HEADER];
  if (!id) throw new Error(`GET /api/me answered without the ${GATEWAY_HEADER} header: the gateway must set it on every response`);
  return id;
}

/**
 * Records which gateway accepted each WebSocket the page opens, from the handshake's response headers
 * (read through the Chrome DevTools Protocol: Playwright's WebSocket API does not expose them).
 */
export async function watchSocketGateways(page: Page): Promise<string[]> {
  const gateways: string[] = [];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketHandshakeResponseReceived', (event) => {
    const headers = Object.fromEntries(Object.entries(event.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    gateways.push(String(headers[GATEWAY_HEADER] ?? 'unknown'));
  });
  return gateways;
}

/** Console errors and uncaught exceptions of a page: the production build must produce none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`exception: ${error.message}`));
  return errors;
}

/** A username no earlier run has taken (3-32 of [A-Za-z0-9_.-]). */
export function uniqueUsername(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** Signs up through the form and waits until the chat is on screen and its socket is connected. */
export async function signUp(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await waitForChat(page);
}

/** Waits until the signed-in app shows its room list and the real-time connection is up. */
export async function waitForChat(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
  await page.getByText('Connecting…').waitFor({ state: 'hidden' });
  await page.getByText(/Reconnecting/).waitFor({ state: 'hidden' });
}

/** Types a message into the composer and sends it with Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/** Creates a room from the sidebar's dialog (public unless `visibility` says private) and waits until it is open. */
export async function createRoom(page: Page, name: string, visibility: 'public' | 'private' = 'public'): Promise<void> {
  await page.getByRole('button', { name: 'Create room' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a room' });
  await dialog.getByLabel('Room name').fill(name);
  if (visibility === 'private') await dialog.getByLabel(/^Private/).check();
  await dialog.getByRole('button', { name: 'Create room' }).click();
  await page.getByRole('heading', { name: `# ${name}` }).waitFor();
}

/** Invites `username` to the open room `roomName` from its header. */
export async function inviteByName(page: Page, roomName: string, username: string): Promise<void> {
  await page.getByRole('button', { name: 'Invite' }).click();
  const dialog = page.getByRole('dialog', { name: `Invite to # ${roomName}` });
  await dialog.getByLabel('Username').fill(username);
  await dialog.getByRole('button', { name: 'Invite' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/** Accepts the invitation to `roomName` and waits until the room is open. */
export async function acceptInvitation(page: Page, roomName: string): Promise<void> {
  await page.getByRole('button', { name: `Accept invitation to ${roomName}` }).click();
  await page.getByRole('heading', { name: `# ${roomName}` }).waitFor();
}

/** The password every browser suite signs its users up with. */
export const PASSWORD = 'correct horse battery';

/** Signs up one new user on each page and returns their usernames (`prefixes`: e.g. ann, bob). */
export async function signUpPair(ann: Page, bob: Page, prefixes: [string, string] = ['ann', 'bob']): Promise<{ annName: string; bobName: string }> {
  const [annName, bobName] = prefixes.map(uniqueUsername) as [string, string];
  await signUp(ann, annName, PASSWORD);
  await signUp(bob, bobName, PASSWORD);
  return { annName, bobName };
}

/**
 * Signs up a user on each page, then the first creates a private room named `<prefix> <time>` and
 * invites the second, who accepts: both have it open.
 */
export async function twoUsersInARoom(ann: Page, bob: Page, prefix: string): Promise<{ annName: string; bobName: string; roomName: string }> {
  const names = await signUpPair(ann, bob);
  const roomName = `${prefix} ${Date.now().toString(36)}`;
  await createRoom(ann, roomName, 'private');
  await inviteByName(ann, roomName, names.bobName);
  await acceptInvitation(bob, roomName);
  return { ...names, roomName };
}

/** The room's message log. */
export const messageLog = (page: Page) => page.getByRole('log', { name: 'Messages' });

/** Waits until a message with exactly this text is in the log and, when it is mine, acknowledged. */
export async function waitForMessage(page: Page, text: string, options: { sent?: boolean } = {}): Promise<void> {
  const item = messageLog(page)
    .getByRole('listitem')
    .filter({ has: page.getByText(text, { exact: true }) });
  await item.waitFor();
  if (options.sent) await item.and(page.locator('[data-status="sent"]')).waitFor();
}

/**
 * Waits until the history API (what a reload shows) holds `count` messages of the room the page has
 * open. Acknowledged messages reach Postgres through Kafka and the persister a moment later; a test
 * about reloading waits for that instead of racing it. Polled in the page, with the page's own session.
 */
export async function waitForPersisted(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    async (expected) => {
      const roomId = decodeURIComponent(window.location.hash.replace('#/room/', ''));
      // The app keeps its token in memory only: ask for one from the refresh cookie, under the lock the
      // app's own refreshes take (a refresh token is single-use; a racing second use would end the session).
      const refresh = () => fetch('/api/auth/refresh', { method: 'POST' }).then((r) => r.json() as Promise<{ token?: string }>);
      const { token } = await navigator.locks.request('chat-refresh', refresh);
      const response = await fetch(`/api/rooms/${encodeURIComponent(roomId)}/messages?limit=100`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return response.ok && ((await response.json()) as { messages: unknown[] }).messages.length >= expected;
    },
    count,
    { polling: 250 },
  );
}

/** Calls the REST API from the test process (setup that is not what a test is about). */
export async function api<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A page's Socket.IO connection that the test can cut and restore, like a network drop. */
export interface CuttableSocket {
  /** Closes the open connections; until `restore`, every reconnection attempt is closed at once. */
  cut(): Promise<void>;
  restore(): void;
}

/** Routes the page's Socket.IO WebSockets through the test (before the page opens them). */
export async function cuttableSocket(page: Page): Promise<CuttableSocket> {
  let down = false;
  const open: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    if (down) return ws.close({ code: 4000, reason: 'test: network is down' });
    ws.connectToServer();
    open.push(ws);
  });
  return {
    async cut() {
      down = true;
      for (const ws of open.splice(0)) await ws.close({ code: 4000, reason: 'test: network drop' });
    },
    restore() {
      down = false;
    },
  };
}

/** The banner the app shows while its connection is down. */
export const reconnectingBanner = (page: Page) => page.getByText('Connection lost. Reconnecting…');

/** axe-core's serious and critical violations on the page as it is now (rule id and the first target). */
export async function seriousViolations(page: Page, screen: string): Promise<string[]> {
  // Evaluated through the DevTools protocol: the app's CSP (script-src 'self') refuses an inline script tag.
  await page.evaluate(axe.source);
  const results = await page.evaluate(() => (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${screen}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}
