/**
 * In-process "there is something new in the outbox" signal: code that commits an outbox row
 * calls notify(), and the relay in this process (if any) publishes at once instead of waiting
 * for its next poll. Relays in other processes still find the row by polling.
 */
export interface OutboxSignal {
  notify(): void;
  onNotify(listener: () => void): () => void;
}

export function createOutboxSignal(): OutboxSignal {
  const listeners = new Set<() => void>();
  return {
    notify() {
      for (const l of listeners) l();
    },
    onNotify(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
