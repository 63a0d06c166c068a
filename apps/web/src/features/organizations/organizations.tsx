import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { call } from '../../lib/api/call.ts';
import { useAuth } from '../../lib/auth.tsx';
import { formText } from '../../lib/form.ts';
import { formatDate } from '../../lib/format.ts';
import { canManageWebhooks, webhooksPath } from '../../lib/organizer-access.ts';
import { Link } from '../../lib/router.tsx';
import { useAction, useLoad } from '../../lib/use-api.ts';
import { ErrorMessage, Field, Notice, Spinner } from '../../components/ui.tsx';

type Organization = paths['/api/organizations']['get']['responses'][200]['content']['application/json']['organizations'][number];
type Members = paths['/api/organizations/{id}/members']['get']['responses'][200]['content']['application/json'];
type Invitation = Members['invitations'][number];
type Role = Organization['role'];
type EventList = paths['/api/events']['get']['responses'][200]['content']['application/json'];
type EventItem = EventList['events'][number];

const ROLES: { role: Role; label: string }[] = [
  { role: 'owner', label: 'Owner: everything, members included' },
  { role: 'manager', label: 'Manager: events and sales' },
  { role: 'staff', label: 'Staff: check-in only' },
  { role: 'viewer', label: 'Viewer: sales and attendance, read-only' },
];

/** After joining or creating an organization, a fresh token carries it (POST /api/users/token). */
function useRefreshToken() {
  const { session, setSession } = useAuth();
  return useCallback(async () => {
    if (!session) return;
    const { data } = await api.POST('/api/users/token');
    if (data) setSession({ ...session, token: data.access_token, expiresAt: Date.now() + data.expires_in * 1000 });
  }, [session, setSession]);
}

/** The caller's organizations, a form to create one, and the invitations addressed to them. */
export function OrganizationsList() {
  const [orgs, setOrgs] = useState<Organization[] | null>(null);
  const [invitations, setInvitations] = useState<Invitation[]>([]);
  const { error, run } = useAction();
  const refreshToken = useRefreshToken();
  const load = useCallback(async () => {
    const [list, mine] = await Promise.all([call(api.GET('/api/organizations')), call(api.GET('/api/invitations'))]);
    setOrgs(list.organizations);
    setInvitations(mine.invitations);
  }, []);
  useEffect(() => void run(load), [run, load]);

  async function create(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    await run(async () => {
      await call(api.POST('/api/organizations', { body: { name: formText(new FormData(form), 'name').trim() } }));
      form.reset();
      await refreshToken();
      await load();
    });
  }

  async function answer(id: string, verb: 'accept' | 'decline') {
    const path = verb === 'accept' ? '/api/invitations/{invitationId}/accept' : '/api/invitations/{invitationId}/decline';
    await run(async () => {
      await call(api.POST(path, { params: { path: { invitationId: id } } }));
      await refreshToken();
      await load();
    });
  }

  if (!orgs) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner label="Loading your organizations…" />;
  return (
    <>
      {invitations.length > 0 ? (
        <section aria-label="Invitations for you">
          <h2>Invitations for you</h2>
          <ul>
            {invitations.map((i) => (
              <li key={i.invitation_id}>
                {i.organization_name} invites you as {i.role}.{' '}
                <button type="button" onClick={() => void answer(i.invitation_id, 'accept')}>
                  Accept invitation to {i.organization_name}
                </button>{' '}
                <button type="button" onClick={() => void answer(i.invitation_id, 'decline')}>
                  Decline
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <table className="table">
        <caption className="sr-only">Your organizations</caption>
        <thead>
          <tr>
            <th scope="col">Organization</th>
            <th scope="col">Your role</th>
            <th scope="col">Members</th>
            {/* "Webhooks" alone: a link named after the organization would clash with its own link. */}
            <th scope="col">Webhooks</th>
          </tr>
        </thead>
        <tbody>
          {orgs.map((o) => (
            <tr key={o.organization_id}>
              <td>{o.personal ? o.name : <Link to={`/organizations/${o.organization_id}`}>{o.name}</Link>}</td>
              <td>{o.role}</td>
              <td>{o.members}</td>
              <td>{canManageWebhooks(o.role) ? <Link to={webhooksPath(o.organization_id)}>Webhooks</Link> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="form" onSubmit={create} aria-label="New organization">
        <Field label="Organization name">
          <input name="name" required maxLength={200} />
        </Field>
        <ErrorMessage>{error}</ErrorMessage>
        <button type="submit" className="primary">
          Create organization
        </button>
      </form>
    </>
  );
}

/** One organization: its members (invite, change role, remove) and its events (drafts included). */
export function OrganizationView({ id }: { id: string }) {
  const [org, setOrg] = useState<Organization | null>(null);
  const [members, setMembers] = useState<Members | null>(null);
  const [events, setEvents] = useState<EventItem[]>([]);
  const { error, run } = useAction();
  const [notice, setNotice] = useState('');
  const load = useCallback(async () => {
    const params = { params: { path: { id } } };
    const [o, m, ev] = await Promise.all([
      call(api.GET('/api/organizations/{id}', params)),
      call(api.GET('/api/organizations/{id}/members', params)),
      call(api.GET('/api/events', { params: { query: { organization_id: id, limit: 100, offset: 0 } } })),
    ]);
    setOrg(o);
    setMembers(m);
    setEvents(ev.events);
  }, [id]);
  useEffect(() => void run(load), [run, load]);

  /** An action on the members; the page is read again before `done` tells how it went. */
  async function act(action: () => Promise<unknown>, done?: () => void) {
    setNotice('');
    await run(async () => {
      await action();
      await load();
      done?.();
    });
  }

  async function invite(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const email = formText(f, 'email').trim();
    const body = { email, role: formText(f, 'role') as Role };
    await act(
      () => call(api.POST('/api/organizations/{id}/invitations', { params: { path: { id } }, body })),
      () => {
        form.reset();
        setNotice(`Invitation sent to ${email}.`);
      },
    );
  }

  const changeRole = (userId: string, role: Role) =>
    act(() => call(api.PUT('/api/organizations/{id}/members/{userId}', { params: { path: { id, userId } }, body: { role } })));

  const remove = (userId: string, email: string) =>
    act(
      () => call(api.DELETE('/api/organizations/{id}/members/{userId}', { params: { path: { id, userId } } })),
      () => setNotice(`${email} was removed.`),
    );

  if (!org || !members) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner label="Loading the organization…" />;
  const owner = org.role === 'owner';
  const organizer = owner || org.role === 'manager';
  return (
    <>
      <h2>{org.name}</h2>
      <p>Your role: {org.role}</p>
      <Notice>{notice}</Notice>
      <ErrorMessage>{error}</ErrorMessage>
      <h3>Members</h3>
      <table className="table">
        <caption className="sr-only">Members</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Role</th>
            {owner ? <th scope="col">Remove</th> : null}
          </tr>
        </thead>
        <tbody>
          {members.members.map((m) => (
            <tr key={m.user_id}>
              <td>
                {m.name} ({m.email})
              </td>
              <td>
                {owner ? (
                  <select
                    aria-label={`Role of ${m.email}`}
                    value={m.role}
                    onChange={(e) => void changeRole(m.user_id, e.target.value as Role)}
                  >
                    {ROLES.map((r) => (
                      <option key={r.role} value={r.role}>
                        {r.role}
                      </option>
                    ))}
                  </select>
                ) : (
                  m.role
                )}
              </td>
              {owner ? (
                <td>
                  <button type="button" onClick={() => void remove(m.user_id, m.email)}>
                    Remove {m.email}
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {members.invitations.length > 0 ? (
        <>
          <h3>Pending invitations</h3>
          <ul aria-label="Pending invitations">
            {members.invitations.map((i) => (
              <li key={i.invitation_id}>
                {i.email} as {i.role}, until {formatDate(i.expires_at)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {owner ? (
        <form className="form" onSubmit={invite} aria-label="Invite a member">
          <Field label="Email to invite">
            <input name="email" type="email" required maxLength={254} />
          </Field>
          <Field label="Role">
            <select name="role" defaultValue="manager">
              {ROLES.map((r) => (
                <option key={r.role} value={r.role}>
                  {r.label}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" className="primary">
            Send invitation
          </button>
        </form>
      ) : null}
      {canManageWebhooks(org.role) ? (
        <>
          <h3>Webhooks</h3>
          <p>
            <Link to={webhooksPath(id)}>Manage webhooks</Link>: tell your other systems about bookings, events and check-ins.
          </p>
        </>
      ) : null}
      <h3>Events</h3>
      {organizer ? (
        <p>
          <Link to={`/box-office/new?organization=${id}`} className="button">
            Create an event for {org.name}
          </Link>
        </p>
      ) : null}
      {events.length === 0 ? (
        <p>No events yet.</p>
      ) : (
        <ul aria-label="Events of the organization">
          {events.map((e) => (
            <li key={e.event_id}>
              <Link to={`/organizations/${id}/events/${e.event_id}`}>{e.name}</Link> ({e.status.replace('_', ' ')},{' '}
              {formatDate(e.event_date)})
              {e.status === 'draft' ? null : (
                <>
                  {' · '}
                  <Link to={`/box-office/events/${e.event_id}`}>Sales</Link>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

const fromLocalInput = (v: string): string | null => (v ? new Date(v).toISOString() : null);

/** The event editor: details, start time, sales window, and publish. */
export function EventEditor({ eventId }: { eventId: string }) {
  const {
    data: event,
    error: loadError,
    setData: setEvent,
  } = useLoad(() => call(api.GET('/api/events/{id}', { params: { path: { id: eventId } } })), [eventId]);
  const { error: actionError, run } = useAction();
  const error = actionError || loadError;
  const [notice, setNotice] = useState('');

  async function save(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!event) return;
    const f = new FormData(e.currentTarget);
    const text = (k: string) => formText(f, k).trim();
    setNotice('');
    const body = {
      name: text('name'),
      description: text('description'),
      venue: text('venue'),
      city: text('city'),
      event_date: fromLocalInput(text('event_date')) ?? event.event_date,
      sales_start: fromLocalInput(text('sales_start')),
      sales_end: fromLocalInput(text('sales_end')),
    };
    await run(async () => {
      setEvent(await call(api.PATCH('/api/events/{id}', { params: { path: { id: eventId } }, body })));
      setNotice('Changes saved.');
    });
  }

  async function publish() {
    setNotice('');
    await run(async () => {
      setEvent(await call(api.POST('/api/events/{id}/publish', { params: { path: { id: eventId } } })));
      setNotice('The event is published.');
    });
  }

  if (!event) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner label="Loading the event…" />;
  return (
    <>
      <p>
        Status: <strong>{event.status.replace('_', ' ')}</strong>
      </p>
      <Notice>{notice}</Notice>
      <ErrorMessage>{error}</ErrorMessage>
      {event.status === 'draft' ? (
        <button type="button" className="primary" onClick={() => void publish()}>
          Publish event
        </button>
      ) : null}
      <form className="form" onSubmit={save} aria-label="Event details" key={event.event_id + event.event_date + event.name}>
        <Field label="Name">
          <input name="name" required maxLength={200} defaultValue={event.name} />
        </Field>
        <Field label="Description">
          <textarea name="description" rows={3} maxLength={5000} defaultValue={event.description} />
        </Field>
        <Field label="Venue">
          <input name="venue" required maxLength={200} defaultValue={event.venue} />
        </Field>
        <Field label="City">
          <input name="city" required maxLength={200} defaultValue={event.city} />
        </Field>
        <Field label="Date and time" hint="Changing it reschedules the event">
          <input name="event_date" type="datetime-local" required defaultValue={toLocalInput(event.event_date)} />
        </Field>
        <Field label="Sales start" hint="Empty: as soon as it is published">
          <input name="sales_start" type="datetime-local" defaultValue={toLocalInput(event.sales_start)} />
        </Field>
        <Field label="Sales end" hint="Empty: when the event starts">
          <input name="sales_end" type="datetime-local" defaultValue={toLocalInput(event.sales_end)} />
        </Field>
        <button type="submit">Save changes</button>
      </form>
    </>
  );
}
