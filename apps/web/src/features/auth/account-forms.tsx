// The account pages' forms: verify an address, forgot and reset password, change password, log
// out. Emailed links carry their token in the URL fragment (#token=…), which no server sees.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../../lib/api/client.ts';
import { call, messageOf } from '../../lib/api/call.ts';
import { useAuth } from '../../lib/auth.tsx';
import { formText } from '../../lib/form.ts';
import { useAction } from '../../lib/use-api.ts';
import { ErrorMessage, Notice, Spinner, TextField } from '../../components/ui.tsx';
import { EmailField, PasswordField } from './fields.tsx';

/** The token of an emailed link, read once from the fragment and then removed from the address bar. */
export function useLinkToken(): string {
  const [token] = useState(() => new URLSearchParams(location.hash.slice(1)).get('token') ?? '');
  useEffect(() => {
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  }, []);
  return token;
}

/** Asks for a link by email; the answer is the same whether the address has an account. */
export function RequestLinkForm({ kind, label }: { kind: 'verification' | 'reset'; label: string }) {
  const [sent, setSent] = useState('');
  const { busy, error, run } = useAction();
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const email = formText(new FormData(e.currentTarget), 'email');
    await run(async () => {
      const path = kind === 'reset' ? '/api/users/password/forgot' : '/api/users/verify-email/request';
      setSent((await call(api.POST(path, { body: { email } }))).message);
    });
  }
  return (
    <form onSubmit={submit} className="form" aria-label={label}>
      <EmailField />
      <ErrorMessage>{error}</ErrorMessage>
      {sent ? <Notice>{sent}</Notice> : null}
      <button type="submit" disabled={busy}>
        {label}
      </button>
    </form>
  );
}

/** Uses a verification link on arrival. */
export function VerifyEmail() {
  const token = useLinkToken();
  const { session, setSession } = useAuth();
  const [state, setState] = useState<{ done?: string; error?: string }>({});
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    if (!token) {
      setState({ error: 'This page needs the link from the email. Ask for a new one below.' });
      return;
    }
    call(api.POST('/api/users/verify-email', { body: { token } })).then(
      (data) => {
        if (session && session.user.user_id === data.user_id) setSession({ ...session, user: { ...session.user, ...data } });
        setState({ done: `Thank you: ${data.email} is verified.` });
      },
      (err: unknown) => setState({ error: messageOf(err) }),
    );
  }, [token, session, setSession]);
  if (state.done) return <Notice>{state.done}</Notice>;
  if (!state.error) return <Spinner label="Checking your link…" />;
  return (
    <>
      <ErrorMessage>{state.error}</ErrorMessage>
      <RequestLinkForm kind="verification" label="Send a new verification link" />
    </>
  );
}

/** Sets a new password with a reset link. */
export function ResetPasswordForm({ onDone }: { onDone: () => void }) {
  const token = useLinkToken();
  const { setSession } = useAuth();
  const { busy, error: failed, run } = useAction();
  const error = token ? failed : 'This page needs the link from the email. Ask for a new one below.';
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const password = formText(new FormData(e.currentTarget), 'password');
    await run(async () => {
      await call(api.POST('/api/users/password/reset', { body: { token, password } }));
      // Every session signed in before is over, this browser's too.
      setSession(null);
      onDone();
    });
  }
  return (
    <>
      {token ? (
        <form onSubmit={submit} className="form" aria-label="Choose a new password">
          <PasswordField purpose="new" label="New password" />
          <ErrorMessage>{error}</ErrorMessage>
          <button type="submit" disabled={busy}>
            Set new password
          </button>
        </form>
      ) : (
        <ErrorMessage>{error}</ErrorMessage>
      )}
      {error ? <RequestLinkForm kind="reset" label="Email me a new reset link" /> : null}
    </>
  );
}

/** Changes the password of the logged-in user; the answer carries the new session (older ones are revoked). */
export function ChangePasswordForm() {
  const { setSession } = useAuth();
  const [done, setDone] = useState(false);
  const { busy, error, run } = useAction();
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    setDone(false);
    await run(async () => {
      const data = await call(
        api.POST('/api/users/password', { body: { current_password: formText(f, 'current_password'), password: formText(f, 'password') } }),
      );
      setSession({ token: data.access_token, expiresAt: Date.now() + data.expires_in * 1000 - 30_000, user: data.user });
      form.reset();
      setDone(true);
    });
  }
  return (
    <form onSubmit={submit} className="form" aria-label="Change password">
      <CurrentPasswordField />
      <PasswordField purpose="new" label="New password" />
      <ErrorMessage>{error}</ErrorMessage>
      {done ? <Notice>Your password is changed. Every other session was signed out.</Notice> : null}
      <button type="submit" disabled={busy}>
        Change password
      </button>
    </form>
  );
}

function CurrentPasswordField() {
  return <TextField label="Current password" name="current_password" type="password" autoComplete="current-password" required />;
}

/** Revokes this session's token on the server, then forgets it here (even if the server cannot be reached). */
export async function logOut(setSession: (s: null) => void): Promise<void> {
  try {
    await api.POST('/api/users/logout');
  } catch {
    // Offline: the token is forgotten here anyway and expires on its own.
  }
  setSession(null);
}
