import { useEffect, useRef, useState, type ReactNode } from 'react';

/** How a receiver checks a delivery (docs/webhooks.md "Verifying a signature"). */
export function VerifyHint() {
  return (
    <p className="hint">
      How to verify a delivery: its <code>Ticketing-Signature</code> header reads <code>t=&lt;unix time&gt;,v1=&lt;signature&gt;</code>.
      Compute HMAC-SHA256 with this secret over the time, a dot and the raw body exactly as received, compare it with each <code>v1</code>,
      and refuse times older than 5 minutes. The guide <code>docs/webhooks.md</code> has a 10-line example; the endpoints are in the{' '}
      <a href="/services/notifications/docs">notification API reference</a>.
    </p>
  );
}

/**
 * A signing secret, shown once (after creating an endpoint or rotating its secret): a read-only
 * field to select, a copy button, and how to use it. The heading takes the focus so that screen
 * readers announce it.
 */
export function SecretPanel({
  title,
  secret,
  onDone,
  children,
}: {
  title: string;
  secret: string;
  onDone: () => void;
  children?: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState('');
  useEffect(() => heading.current?.focus(), [secret]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied to the clipboard.');
    } catch {
      // No clipboard (a page not served over https, or permission refused): select it for Ctrl+C.
      field.current?.select();
      setCopied('This browser does not let the page copy: the secret is selected, press Ctrl+C (⌘C on a Mac).');
    }
  }

  return (
    <section className="secret-panel" aria-labelledby="secret-heading">
      <h2 id="secret-heading" tabIndex={-1} ref={heading}>
        {title}
      </h2>
      <p>
        <strong>Store it now: it is shown only this once.</strong> Your receiver needs it to check that deliveries come from us.
      </p>
      <div className="secret-row">
        <label className="field">
          <span className="field-label">Signing secret</span>
          <input ref={field} readOnly value={secret} spellCheck={false} onFocus={(e) => e.currentTarget.select()} />
        </label>
        <button type="button" onClick={() => void copy()}>
          Copy secret
        </button>
      </div>
      <p className="notice" role="status">
        {copied}
      </p>
      {children}
      <VerifyHint />
      <button type="button" onClick={onDone}>
        I have stored the secret
      </button>
    </section>
  );
}
