import { formText } from '../../lib/form.ts';
import { useState, type FormEvent } from 'react';
import { api } from '../../lib/api/client.ts';
import { call } from '../../lib/api/call.ts';
import { useAuth } from '../../lib/auth.tsx';
import { useAction, useLoad } from '../../lib/use-api.ts';
import { ErrorMessage, Notice, Spinner } from '../../components/ui.tsx';
import { EmailField, NameFields, PasswordField } from './fields.tsx';

async function logIn(email: string, password: string) {
  const data = await call(api.POST('/api/users/login', { body: { email, password } }));
  return {
    token: data.access_token,
    expiresAt: Date.now() + data.expires_in * 1000 - 30_000,
    user: data.user,
  };
}

export function LoginForm({ onDone }: { onDone: () => void }) {
  const { setSession } = useAuth();
  const { busy, error, run } = useAction();
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    await run(async () => {
      setSession(await logIn(formText(f, 'email'), formText(f, 'password')));
      onDone();
    });
  }
  return (
    <form onSubmit={submit} className="form" aria-label="Log in">
      <EmailField />
      <PasswordField purpose="current" />
      <ErrorMessage>{error}</ErrorMessage>
      <button type="submit" disabled={busy}>
        Log in
      </button>
    </form>
  );
}

export function RegisterForm({ onDone }: { onDone: () => void }) {
  const { setSession } = useAuth();
  const { busy, error, run } = useAction();
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = {
      first_name: formText(f, 'first_name'),
      last_name: formText(f, 'last_name'),
      email: formText(f, 'email'),
      password: formText(f, 'password'),
    };
    await run(async () => {
      await call(api.POST('/api/users/register', { body }));
      setSession(await logIn(body.email, body.password));
      onDone();
    });
  }
  return (
    <form onSubmit={submit} className="form" aria-label="Create an account">
      <NameFields />
      <EmailField />
      <PasswordField purpose="new" />
      <ErrorMessage>{error}</ErrorMessage>
      <button type="submit" disabled={busy}>
        Create account
      </button>
    </form>
  );
}

export function ProfileForm() {
  const { session, setSession } = useAuth();
  const { data: profile, error: loadError, setData: setProfile } = useLoad(() => call(api.GET('/api/users/profile')), []);
  const [linkSent, setLinkSent] = useState('');
  const [saved, setSaved] = useState(false);
  const { error, run } = useAction();
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setSaved(false);
    await run(async () => {
      const data = await call(
        api.PUT('/api/users/profile', { body: { first_name: formText(f, 'first_name'), last_name: formText(f, 'last_name') } }),
      );
      setProfile(data);
      if (session) setSession({ ...session, user: { ...session.user, first_name: data.first_name, last_name: data.last_name } });
      setSaved(true);
    });
  }
  if (!profile) return loadError ? <ErrorMessage>{loadError}</ErrorMessage> : <Spinner />;
  return (
    <form onSubmit={submit} className="form" aria-label="Profile">
      <p>
        Email: <strong>{profile.email}</strong> {profile.email_verified ? '(verified)' : '(not verified yet)'}
      </p>
      {profile.email_verified ? null : (
        <p>
          <button
            type="button"
            className="link"
            onClick={() =>
              void run(async () =>
                setLinkSent((await call(api.POST('/api/users/verify-email/request', { body: { email: profile.email } }))).message),
              )
            }
          >
            Send me a verification link
          </button>
        </p>
      )}
      {linkSent ? <Notice>{linkSent}</Notice> : null}
      <NameFields firstName={profile.first_name} lastName={profile.last_name} />
      <ErrorMessage>{error}</ErrorMessage>
      {saved ? <Notice>Your profile is saved.</Notice> : null}
      <button type="submit">Save profile</button>
    </form>
  );
}
