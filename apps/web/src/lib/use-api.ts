// The two ways a page talks to the API, each in one place (bulletproof-react's query and
// mutation hooks, without a cache): `useLoad` reads when its inputs change, `useAction` runs
// what a person asked for with its buttons disabled. Both show failures as one sentence.
import { useCallback, useEffect, useState, type DependencyList } from 'react';
import { messageOf } from './api/call.ts';

/**
 * Runs actions one at a time: `busy` while one runs (for `disabled`), `error` the sentence of
 * the last failure (cleared when the next starts). `run` resolves true when the action succeeded.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const run = useCallback(async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError('');
    try {
      await action();
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/**
 * Loads data when `deps` change and on `reload()`: `data` is undefined until the first answer
 * and kept while a newer load runs; an answer that a newer load overtook is dropped. `error` is
 * the sentence of the last failure, cleared by a success.
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError('');
      },
      (err: unknown) => live && setError(messageOf(err)),
    );
    return () => {
      live = false;
    };
  }, [...deps, version]);
  return { data, error, setData, setError, reload: useCallback(() => setVersion((v) => v + 1), []) };
}
