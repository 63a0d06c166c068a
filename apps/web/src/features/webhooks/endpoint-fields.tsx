import { formText } from '../../lib/form.ts';
import { Field } from '../../components/ui.tsx';
import { EVENT_TYPES, type Endpoint, type EventType } from './api.ts';

const URL_SHAPE = /^https?:\/\/\S+$/i;

export interface EndpointFieldValues {
  url: string;
  description: string;
  event_types: EventType[];
}

/** The address, description and event types of an endpoint (adding one, or editing it). */
/** `autoFocus`: the address takes the focus (a form that just opened). */
export function EndpointFields({ endpoint, autoFocus = false }: { endpoint?: Endpoint; autoFocus?: boolean }) {
  return (
    <>
      <Field label="Address (URL)" hint="https:// and reachable from the internet, e.g. https://example.com/ticketing-hooks">
        <input
          name="url"
          type="url"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          required
          maxLength={2000}
          defaultValue={endpoint?.url}
          autoFocus={autoFocus}
        />
      </Field>
      <Field label="Description (optional)">
        <input name="description" maxLength={500} defaultValue={endpoint?.description} />
      </Field>
      <fieldset>
        <legend>Event types to send</legend>
        {(Object.entries(EVENT_TYPES) as [EventType, string][]).map(([type, meaning]) => (
          <label key={type} className="radio">
            <input type="checkbox" name="event_types" value={type} defaultChecked={endpoint?.event_types.includes(type)} />
            <span>
              <code>{type}</code>: {meaning}
            </span>
          </label>
        ))}
      </fieldset>
    </>
  );
}

/** The fields' values, or a sentence saying what to fix (the API would answer in field names). */
export function readEndpointFields(form: HTMLFormElement): EndpointFieldValues | string {
  const f = new FormData(form);
  const url = formText(f, 'url').trim();
  const eventTypes = f.getAll('event_types').filter((t): t is EventType => typeof t === 'string' && t in EVENT_TYPES);
  if (!URL_SHAPE.test(url)) return 'Enter the address of your receiver, starting with https://.';
  if (eventTypes.length === 0) return 'Choose at least one event type.';
  return { url, description: formText(f, 'description').trim(), event_types: eventTypes };
}
