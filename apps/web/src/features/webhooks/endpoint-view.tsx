import { useState, type FormEvent } from 'react';
import { formText } from '../../lib/form.ts';
import { formatDate } from '../../lib/format.ts';
import { webhooksPath } from '../../lib/organizer-access.ts';
import { navigate } from '../../lib/router.tsx';
import { useAction, useLoad } from '../../lib/use-api.ts';
import { ErrorMessage, Field, Notice, Spinner } from '../../components/ui.tsx';
import {
  deleteEndpoint,
  getEndpoint,
  rotateSecret,
  sendTestEvent,
  setEndpointEnabled,
  updateEndpoint,
  type Endpoint,
  type EndpointWithSecret,
} from './api.ts';
import { DeliveryLog } from './delivery-log.tsx';
import { EndpointFields, readEndpointFields } from './endpoint-fields.tsx';
import { endpointState, useWebhookOrganization } from './endpoints.tsx';
import { SecretPanel } from './secret-panel.tsx';

const OVERLAPS: { seconds: number | undefined; label: string }[] = [
  { seconds: undefined, label: '24 hours (recommended)' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 7 * 86_400, label: '7 days' },
  { seconds: 0, label: 'No overlap: the current secret stops at once' },
];

type Dialog = 'none' | 'edit' | 'rotate' | 'delete';

/** One endpoint: its settings and actions (test event, enable/disable, rotate, delete) and its delivery log. */
export function WebhookEndpointView({ organizationId, endpointId }: { organizationId: string; endpointId: string }) {
  const { org, refusal } = useWebhookOrganization(organizationId);
  const [rotated, setRotated] = useState<EndpointWithSecret | null>(null);
  const [dialog, setDialog] = useState<Dialog>('none');
  const [notice, setNotice] = useState('');
  const [sent, setSent] = useState(0);
  const manageable = !!org && !refusal;
  const {
    data: endpoint,
    error: loadError,
    setData: setEndpoint,
  } = useLoad(async (): Promise<Endpoint | undefined> => (manageable ? getEndpoint(endpointId) : undefined), [manageable, endpointId]);
  const { busy, error: actionError, setError, run } = useAction();
  const error = actionError || loadError;

  /** Runs an action with the buttons disabled; its error becomes the page's sentence. */
  async function act(action: () => Promise<void>) {
    setNotice('');
    await run(action);
  }

  const sendTest = () =>
    act(async () => {
      const delivery = await sendTestEvent(endpointId);
      setNotice(`A test event (${delivery.event_id}) is on its way; the log below shows how it went.`);
      setSent((n) => n + 1);
    });

  const toggle = (enabled: boolean) =>
    act(async () => {
      setEndpoint(await setEndpointEnabled(endpointId, enabled));
      setNotice(
        enabled
          ? 'The endpoint is enabled: deliveries that waited are sent now.'
          : 'The endpoint is disabled: nothing is sent to it until you enable it.',
      );
      setSent((n) => n + 1);
    });

  function save(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const values = readEndpointFields(e.currentTarget);
    if (typeof values === 'string') {
      setNotice('');
      return setError(values);
    }
    void act(async () => {
      setEndpoint(await updateEndpoint(endpointId, values));
      setNotice('Changes saved.');
      setDialog('none');
    });
  }

  function rotate(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const choice = formText(new FormData(e.currentTarget), 'overlap');
    void act(async () => {
      const answer = await rotateSecret(endpointId, choice === '' ? undefined : Number(choice));
      setRotated(answer);
      setEndpoint(answer);
      setDialog('none');
    });
  }

  const remove = () =>
    act(async () => {
      await deleteEndpoint(endpointId);
      navigate(`${webhooksPath(organizationId)}?deleted=1`);
    });

  if (refusal) return <ErrorMessage>{refusal}</ErrorMessage>;
  if (!endpoint) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner label="Loading the endpoint…" />;
  const overlapUntil =
    endpoint.previous_secret_expires_at && Date.parse(endpoint.previous_secret_expires_at) > Date.now()
      ? endpoint.previous_secret_expires_at
      : null;
  return (
    <>
      <h2 className="wrap">{endpoint.url}</h2>
      <dl className="facts wrap">
        {endpoint.description ? (
          <>
            <dt>Description</dt>
            <dd>{endpoint.description}</dd>
          </>
        ) : null}
        <dt>Event types</dt>
        <dd>{endpoint.event_types.join(', ')}</dd>
        <dt>State</dt>
        <dd>
          {endpointState(endpoint)}
          {endpoint.disabled_at ? ` (since ${formatDate(endpoint.disabled_at)})` : ''}
        </dd>
        <dt>Failures in a row</dt>
        <dd>{endpoint.consecutive_failures}</dd>
        <dt>Secret</dt>
        <dd>
          {endpoint.secret_hint}
          {overlapUntil ? ` (the previous secret also signs until ${formatDate(overlapUntil)})` : ''}
        </dd>
        <dt>Added by</dt>
        <dd>
          {endpoint.created_by_email}, {formatDate(endpoint.created_at)}
        </dd>
      </dl>
      {rotated ? (
        <SecretPanel title="New signing secret" secret={rotated.secret} onDone={() => setRotated(null)}>
          <p>
            {rotated.previous_secret_expires_at && Date.parse(rotated.previous_secret_expires_at) > Date.now()
              ? `Until ${formatDate(rotated.previous_secret_expires_at)}, every delivery is signed with both the old and the new secret (two v1 values in the header), so your receiver keeps accepting deliveries while you give it the new secret. After that only the new one signs.`
              : 'The old secret no longer signs: give your receiver the new one now.'}
          </p>
        </SecretPanel>
      ) : null}
      <Notice>{notice}</Notice>
      <ErrorMessage>{error}</ErrorMessage>
      <div className="actions" role="group" aria-label="Endpoint actions">
        <button type="button" className="primary" disabled={busy} onClick={() => void sendTest()}>
          Send test event
        </button>
        {endpoint.enabled ? (
          <button type="button" disabled={busy} onClick={() => void toggle(false)}>
            Disable endpoint
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => void toggle(true)}>
            Enable endpoint
          </button>
        )}
        <button type="button" disabled={busy} aria-expanded={dialog === 'edit'} onClick={() => setDialog('edit')}>
          Edit…
        </button>
        <button type="button" disabled={busy} aria-expanded={dialog === 'rotate'} onClick={() => setDialog('rotate')}>
          Rotate secret…
        </button>
        <button type="button" className="danger" disabled={busy} aria-expanded={dialog === 'delete'} onClick={() => setDialog('delete')}>
          Delete endpoint…
        </button>
      </div>
      {dialog === 'edit' ? (
        <form className="form panel" onSubmit={save} aria-label="Edit the endpoint" noValidate>
          <EndpointFields endpoint={endpoint} autoFocus />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Save changes
            </button>
            <button type="button" onClick={() => setDialog('none')}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {dialog === 'rotate' ? (
        <form className="form panel" onSubmit={rotate} aria-label="Rotate the signing secret">
          <p>
            A new secret replaces the current one. So that no delivery is refused while you update your receiver, the current secret can
            keep signing for a while: during that overlap each delivery carries two signatures, one per secret.
          </p>
          <Field label="The current secret keeps signing for">
            <select name="overlap" defaultValue="" autoFocus>
              {OVERLAPS.map((o) => (
                <option key={o.label} value={o.seconds === undefined ? '' : String(o.seconds)}>
                  {o.label}
                </option>
              ))}
            </select>
          </Field>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Rotate secret
            </button>
            <button type="button" onClick={() => setDialog('none')}>
              Keep the current secret
            </button>
          </div>
        </form>
      ) : null}
      {dialog === 'delete' ? (
        <div className="panel" role="group" aria-label="Confirm the deletion">
          <p role="alert">
            Delete the endpoint <strong className="wrap">{endpoint.url}</strong>? Nothing more is sent to it and its delivery log is deleted
            too. This cannot be undone.
          </p>
          <div className="actions">
            <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
              Yes, delete the endpoint
            </button>
            {/* The safe answer has the focus: the keyboard reaches the panel that just opened. */}
            <button type="button" onClick={() => setDialog('none')} autoFocus>
              Keep the endpoint
            </button>
          </div>
        </div>
      ) : null}
      <DeliveryLog endpointId={endpointId} endpointEnabled={endpoint.enabled} version={sent} />
    </>
  );
}
