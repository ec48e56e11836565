/** @jest-environment jsdom */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ApiError } from '../api/api-error';
import type { ChatApi } from '../api/chat-api';
import { ann } from '../test-support/factories';
import { AuthPage } from './auth-page';

function setup(api: Partial<Pick<ChatApi, 'login' | 'register'>>) {
  const onAuthenticated = jest.fn();
  const full = {
    login: jest.fn(async () => ({ token: 't', user: ann, expiresAt: '2026-12-01T12:15:00Z' })),
    register: jest.fn(async () => ({ token: 't', user: ann, expiresAt: '2026-12-01T12:15:00Z' })),
    ...api,
  };
  render(<AuthPage api={full} onAuthenticated={onAuthenticated} />);
  return { onAuthenticated, api: full, user: userEvent.setup() };
}

async function fill(user: ReturnType<typeof userEvent.setup>, username: string, password: string) {
  await user.type(screen.getByLabelText('Username'), username);
  await user.type(screen.getByLabelText('Password'), password);
}

describe('AuthPage', () => {
  it('logs in and hands over the token and user', async () => {
    const { user, api, onAuthenticated } = setup({});
    await fill(user, 'ann', 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(api.login).toHaveBeenCalledWith({ username: 'ann', password: 'correct horse' });
    expect(onAuthenticated).toHaveBeenCalledWith('t', ann);
  });

  it('says so next to the form when the credentials are wrong', async () => {
    const { user } = setup({
      login: async () => {
        throw new ApiError('UNAUTHORIZED', 'invalid credentials', 401);
      },
    });
    await fill(user, 'ann', 'wrong password');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Wrong username or password.');
  });

  it('refuses a weak password at sign-up before asking the server', async () => {
    const { user, api } = setup({});
    await user.click(screen.getByRole('button', { name: 'Create an account' }));
    await fill(user, 'ann', 'short');
    await user.click(screen.getByRole('button', { name: 'Sign up' }));
    expect(api.register).not.toHaveBeenCalled();
    const password = screen.getByLabelText('Password');
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/Password is too weak/)).toBeTruthy();
  });

  it('refuses a malformed username at sign-up', async () => {
    const { user, api } = setup({});
    await user.click(screen.getByRole('button', { name: 'Create an account' }));
    await fill(user, 'no spaces please', 'long enough password');
    await user.click(screen.getByRole('button', { name: 'Sign up' }));
    expect(api.register).not.toHaveBeenCalled();
    expect(screen.getByLabelText('Username').getAttribute('aria-invalid')).toBe('true');
  });

  it('shows a taken username next to the username field', async () => {
    const { user } = setup({
      register: async () => {
        throw new ApiError('CONFLICT', 'username taken', 409);
      },
    });
    await user.click(screen.getByRole('button', { name: 'Create an account' }));
    await fill(user, 'ann', 'long enough password');
    await user.click(screen.getByRole('button', { name: 'Sign up' }));
    expect(await screen.findByText('That username is taken. Try another one.')).toBeTruthy();
    const username = screen.getByLabelText('Username');
    expect(username.getAttribute('aria-invalid')).toBe('true');
    expect(username.getAttribute('aria-describedby')).toContain(
      screen.getByText('That username is taken. Try another one.').id,
    );
  });

  it('shows why the user was sent here', () => {
    render(<AuthPage api={{ login: jest.fn(), register: jest.fn() }} onAuthenticated={jest.fn()} notice="Your session has expired." />);
    expect(screen.getByRole('status').textContent).toBe('Your session has expired.');
  });
});
