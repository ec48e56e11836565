/**
 * Sessions in Chromium: the access token lives in memory only (nothing in storage, the refresh cookie is
 * HttpOnly) and a reload signs back in from the cookie; the CSP blocks an injected inline script;
 * logging out in one tab disconnects the other tab of that session; a password change in one browser
 * ends the session of another, and the account dialog lists and signs out sessions.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { collectPageErrors, signUp, uniqueUsername, useBrowserChat, waitForChat } from './browser-support';

const PASSWORD = 'correct horse battery';

describe('sessions in the browser', () => {
  const chat = useBrowserChat();

  const newContext = (gateway: 'g1' | 'g2'): Promise<BrowserContext> => chat.newContext(gateway);

  /** Logs in through the form. */
  async function logIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto('/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await waitForChat(page);
  }

  /** The sign-in page is showing (signed out). */
  const signedOut = (page: Page) => page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 15_000 });

  it('keeps no token in storage or readable cookies, and a reload signs back in from the refresh cookie', async () => {
    const context = await newContext('g1');
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await signUp(page, uniqueUsername('mem'), PASSWORD);
    const stored = await page.evaluate(() => ({
      local: Object.keys(localStorage).map((k) => `${k}=${localStorage.getItem(k) ?? ''}`),
      session: Object.keys(sessionStorage).map((k) => `${k}=${sessionStorage.getItem(k) ?? ''}`),
      cookies: document.cookie,
    }));
    // A JWT starts with "eyJ" (base64 of '{"'): none anywhere a script can read.
    expect([...stored.local, ...stored.session].filter((v) => /eyJ|chat\.session/.test(v))).toEqual([]);
    expect(stored.cookies).not.toContain('chat_refresh');
    const refresh = (await context.cookies()).find((c) => c.name === 'chat_refresh');
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/auth/refresh' });

    await page.reload();
    await waitForChat(page);
    expect(errors).toEqual([]);
  });

  it('sends the CSP on the page, and an injected inline script does not run', async () => {
    const context = await newContext('g1');
    const page = await context.newPage();
    const response = await page.goto('/');
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    const attempt = await page.evaluate(async () => {
      const violation = new Promise<string>((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true }));
      // What an XSS would do: run an inline script.
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true';
      document.body.append(script);
      return { directive: await violation, injected: (window as unknown as { __injected?: boolean }).__injected };
    });
    expect(attempt.directive).toMatch(/^script-src/);
    expect(attempt.injected).toBeUndefined();
  });

  it('logging out in one tab disconnects the other tab of the session', async () => {
    const context = await newContext('g1');
    const first = await context.newPage();
    await signUp(first, uniqueUsername('tabs'), PASSWORD);
    // The second tab signs in from the shared refresh cookie, on the other gateway's socket.
    const second = await context.newPage();
    await second.goto('/');
    await waitForChat(second);

    await first.getByRole('button', { name: 'Log out' }).click();
    await signedOut(first);
    await signedOut(second);
    await second.getByText('Your session has ended. Please log in again.').waitFor();
    await second.reload();
    await signedOut(second);
  });

  it('a password change in one browser ends the session of the other, which the account dialog lists', async () => {
    const username = uniqueUsername('pw');
    const laptop = await (await newContext('g1')).newPage();
    const phone = await (await newContext('g2')).newPage();
    await signUp(laptop, username, PASSWORD);
    await logIn(phone, username, PASSWORD);

    await laptop.getByRole('button', { name: 'Account' }).click();
    const dialog = laptop.getByRole('dialog', { name: 'Account' });
    const sessions = dialog.getByRole('list', { name: 'Sessions' }).getByRole('listitem');
    await sessions.nth(1).waitFor();
    expect(await sessions.count()).toBe(2);
    await dialog.getByText('(this device)').waitFor();

    await dialog.getByLabel('Current password').fill(PASSWORD);
    await dialog.getByLabel('New password').fill('a brand new password');
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await dialog.getByText('Password changed. Every other session was signed out.').waitFor();
    await signedOut(phone);
    await phone.getByText('Your session has ended. Please log in again.').waitFor();
    await sessions.nth(1).waitFor({ state: 'detached' });
    expect(await sessions.count()).toBe(1);

    // The laptop stays signed in, and the new password is the one that works.
    await laptop.reload();
    await waitForChat(laptop);
    await logIn(phone, username, 'a brand new password');
  });
});
