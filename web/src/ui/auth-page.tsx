import { LIMITS, passwordSchema, usernameSchema, type Credentials } from '@chat/protocol';
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/api-error';
import type { ChatApi } from '../api/chat-api';
import { errorText } from './error-text';

type Mode = 'login' | 'signup';
interface Problems {
  username?: string;
  password?: string;
  form?: string;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Checks the form with the protocol's own schemas, so the browser and the server agree on the rules. */
function localProblems(mode: Mode, credentials: Credentials): Problems {
  const problems: Problems = {};
  if (!credentials.username) problems.username = 'Enter a username';
  else if (mode === 'signup') {
    const result = usernameSchema.safeParse(credentials.username);
    if (!result.success) problems.username = capitalize(result.error.issues[0]?.message ?? 'Invalid username');
  }
  if (!credentials.password) problems.password = 'Enter a password';
  else if (mode === 'signup') {
    const result = passwordSchema.safeParse(credentials.password);
    if (!result.success) {
      problems.password =
        credentials.password.length < LIMITS.passwordMin
          ? `Password is too weak: use at least ${LIMITS.passwordMin} characters`
          : capitalize(result.error.issues[0]?.message ?? 'Invalid password');
    }
  }
  return problems;
}

/** Puts the server's answer next to the field it is about. */
function serverProblems(mode: Mode, error: unknown): Problems {
  if (!(error instanceof ApiError)) return { form: errorText(error) };
  if (error.code === 'CONFLICT') return { username: 'That username is taken. Try another one.' };
  if (error.code === 'UNAUTHORIZED' && mode === 'login') return { form: 'Wrong username or password.' };
  if (error.code === 'VALIDATION') {
    if (/password/i.test(error.message)) return { password: capitalize(error.message) };
    if (/username/i.test(error.message)) return { username: capitalize(error.message) };
  }
  return { form: errorText(error) };
}

/** What the sign-in page needs. */
export interface AuthPageProps {
  api: Pick<ChatApi, 'login' | 'register'>;
  onAuthenticated: (token: string, user: { id: string; username: string }) => void;
  /** Why the user is here (for example an expired session). */
  notice?: string;
  /** Shown above the form: what the visitor came for (an invite link's room). */
  header?: ReactNode;
}

/** Log in, or sign up; the two share one form and switch with a button. */
export function AuthPage({ api, onAuthenticated, notice, header }: AuthPageProps) {
  const id = useId();
  const [mode, setMode] = useState<Mode>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [problems, setProblems] = useState<Problems>({});
  const [busy, setBusy] = useState(false);
  const usernameInput = useRef<HTMLInputElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);

  // After a refused submit, focus goes to the first field in error: a screen reader then reads its
  // label, its invalid state and the error it is described by.
  useEffect(() => {
    if (problems.username) usernameInput.current?.focus();
    else if (problems.password) passwordInput.current?.focus();
  }, [problems]);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const credentials = { username: username.trim(), password };
    const local = localProblems(mode, credentials);
    setProblems(local);
    if (local.username || local.password) return;
    setBusy(true);
    try {
      const { token, user } = await (mode === 'login' ? api.login(credentials) : api.register(credentials));
      onAuthenticated(token, user);
    } catch (error) {
      setProblems(serverProblems(mode, error));
      setBusy(false);
    }
  };

  const switchMode = () => {
    setMode(mode === 'login' ? 'signup' : 'login');
    setProblems({});
  };

  const field = (name: 'username' | 'password') => ({
    id: `${id}-${name}`,
    'aria-invalid': problems[name] ? true : undefined,
    'aria-describedby': [problems[name] ? `${id}-${name}-error` : '', name === 'password' && mode === 'signup' ? `${id}-password-hint` : '']
      .filter(Boolean)
      .join(' ') || undefined,
  });

  return (
    <main className="auth">
      <div className="auth__card">
        <p className="brand brand--large">Chat</p>
        {header}
        <h1>{mode === 'login' ? 'Log in' : 'Create your account'}</h1>
        {notice && (
          <p className="notice notice--info" role="status">
            {notice}
          </p>
        )}
        <form className="form" onSubmit={onSubmit} noValidate>
          <div className="field">
            <label htmlFor={`${id}-username`}>Username</label>
            <input
              {...field('username')}
              ref={usernameInput}
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
            {problems.username && (
              <p id={`${id}-username-error`} className="field-error">
                {problems.username}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${id}-password`}>Password</label>
            <input
              {...field('password')}
              ref={passwordInput}
              name="password"
              type="password"
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            {mode === 'signup' && (
              <p id={`${id}-password-hint`} className="field-hint">
                At least {LIMITS.passwordMin} characters.
              </p>
            )}
            {problems.password && (
              <p id={`${id}-password-error`} className="field-error">
                {problems.password}
              </p>
            )}
          </div>
          <div role="alert" className="auth__alert">
            {problems.form && <p className="field-error">{problems.form}</p>}
          </div>
          <button type="submit" className="button button--primary button--block" disabled={busy}>
            {busy ? (mode === 'login' ? 'Logging in…' : 'Signing up…') : mode === 'login' ? 'Log in' : 'Sign up'}
          </button>
        </form>
        <p className="auth__switch">
          {mode === 'login' ? 'New here?' : 'Already have an account?'}{' '}
          <button type="button" className="link-button" onClick={switchMode}>
            {mode === 'login' ? 'Create an account' : 'Log in instead'}
          </button>
        </p>
      </div>
    </main>
  );
}
