import { useEffect, useState } from 'preact/hooks';
import { localJson, NotAvailableError } from '../localApi';

/** Is the page visible (tab in front, window not minimised)? */
export function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => typeof document === 'undefined' || document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

export interface LocalData<T> {
  data: T | null;
  error: unknown;
  /** the server has no such route (this build is older than the console) */
  notAvailable: boolean;
  loading: boolean;
  updatedAt: number | null;
  refresh: () => void;
}

/**
 * GET `/_local<path>`, then again every `intervalMs` while `auto` is on and
 * the page is visible (each refresh starts after the previous answer, so
 * they never pile up). A missing route stops the refreshing. `path` null =
 * nothing to load.
 */
export function useLocalData<T>(path: string | null, { auto, intervalMs = 2000 }: { auto: boolean; intervalMs?: number }): LocalData<T> {
  const visible = usePageVisible();
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<{ path: string | null; data: T | null; error: unknown; notAvailable: boolean; updatedAt: number | null }>(
    { path: null, data: null, error: null, notAvailable: false, updatedAt: null },
  );
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    if (!path) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const ctrl = new AbortController();

    async function load(): Promise<void> {
      if (!path) return;
      setLoading(true);
      let again = true;
      try {
        const data = await localJson<T>(path, { signal: ctrl.signal });
        if (cancelled) return;
        setState({ path, data, error: null, notAvailable: false, updatedAt: Date.now() });
      } catch (err) {
        if (cancelled) return;
        if (err instanceof NotAvailableError) {
          again = false;
          setState({ path, data: null, error: null, notAvailable: true, updatedAt: Date.now() });
        } else {
          // keep the last good data on screen under the error
          setState((s) => ({ ...s, path, data: s.path === path ? s.data : null, error: err, notAvailable: false }));
        }
      } finally {
        if (!cancelled) {
          setLoading(false);
          if (again && auto && visible) timer = setTimeout(() => void load(), intervalMs);
        }
      }
    }

    void load();
    return () => {
      cancelled = true;
      if (timer !== null) clearTimeout(timer);
      ctrl.abort();
    };
  }, [path, auto, visible, intervalMs, tick]);

  const mine = state.path === path;
  return {
    data: mine ? state.data : null,
    error: mine ? state.error : null,
    notAvailable: mine && state.notAvailable,
    loading,
    updatedAt: mine ? state.updatedAt : null,
    refresh: () => setTick((t) => t + 1),
  };
}
