import { useEffect, useState } from 'react';
import { SHELL_SCOPE, SHELL_WORKER_URL } from './offline-shell.ts';

/**
 * Installs the scanner's service worker (service-worker.ts) so that this page opens again on
 * this device without the network. True once the worker holds the page (its install keeps the
 * app shell). The dev server has no worker script: there the registration fails, quietly, and
 * the page works as before, only not after a reload without network.
 */
export function useOfflineShell(): boolean {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
    let current = true;
    navigator.serviceWorker
      .register(SHELL_WORKER_URL, { scope: SHELL_SCOPE })
      // `ready`: this page's registration has an active worker, so its install has finished.
      .then(() => navigator.serviceWorker.ready)
      .then(
        () => current && setReady(true),
        () => undefined,
      );
    return () => {
      current = false;
    };
  }, []);
  return ready;
}

/** The event's name as last read online, so the scanner says which event it checks when it opens offline too. */
export function useRememberedEventName(eventId: string, name: string | undefined): string | undefined {
  const key = `ticketing.checkin.event-name.${eventId}`;
  useEffect(() => {
    if (name) localStorage.setItem(key, name);
  }, [key, name]);
  return name ?? localStorage.getItem(key) ?? undefined;
}
