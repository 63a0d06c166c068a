import { formText } from '../../lib/form.ts';
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../lib/api/client.ts';
import { useAuth } from '../../lib/auth.tsx';
import { describeError, NETWORK_ERROR } from '../../lib/errors.ts';
import { ErrorMessage, Notice, Spinner } from '../../components/ui.tsx';
import { EmailField, NameFields, PasswordField } from './fields.tsx';

async function logIn(email: string, password: string) {
  const { data, error, response } = await api.POST('/api/users/login', { body: { email, password } });
  if (!data) throw new Error(describeError(error, response.status));
  return {
    token: data.access_token,
    expiresAt: Date.now() + data.expires_in * 1000 - 30_000,
    user: data.user,
  };
}

function message(err: unknown): string {
  return err instanceof TypeError ? NETWORK_ERROR : (err as Error).message;
}

export function LoginForm({ onDone }: { onDone: () => void }) {
  const { setSession } = useAuth();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError('');
    try {
      setSession(await logIn(formText(f, 'email'), formText(f, 'password')));
      onDone();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
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
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = {
      first_name: formText(f, 'first_name'),
      last_name: formText(f, 'last_name'),
      email: formText(f, 'email'),
      password: formText(f, 'password'),
    };
    setBusy(true);
    setError('');
    try {
      const { error: err, response } = await api.POST('/api/users/register', { body });
      if (err) throw new Error(describeError(err, response.status));
      setSession(await logIn(body.email, body.password));
      onDone();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
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
  const [profile, setProfile] = useState<{ first_name: string; last_name: string; email: string; email_verified: boolean } | null>(null);
  const [linkSent, setLinkSent] = useState('');
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    void api.GET('/api/users/profile').then(
      ({ data, error: err, response }) => {
        if (data) setProfile(data);
        else setError(describeError(err, response.status));
      },
      () => setError(NETWORK_ERROR),
    );
  }, []);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setSaved(false);
    setError('');
    try {
      const {
        data,
        error: err,
        response,
      } = await api.PUT('/api/users/profile', {
        body: { first_name: formText(f, 'first_name'), last_name: formText(f, 'last_name') },
      });
      if (!data) throw new Error(describeError(err, response.status));
      setProfile(data);
      if (session) setSession({ ...session, user: { ...session.user, first_name: data.first_name, last_name: data.last_name } });
      setSaved(true);
    } catch (err) {
      setError(message(err));
    }
  }
  if (!profile) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner />;
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
            onClick={() => {
              void api.POST('/api/users/verify-email/request', { body: { email: profile.email } }).then(
                ({ data, error: err, response }) => (data ? setLinkSent(data.message) : setError(describeError(err, response.status))),
                () => setError(NETWORK_ERROR),
              );
            }}
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
