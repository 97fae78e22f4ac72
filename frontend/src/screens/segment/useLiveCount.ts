import { useEffect, useState } from 'preact/hooks';
import { api, type SegmentRule } from '../../api';
import { useDebounced } from '../../hooks/useDebounced';
import { countMatches, type Count } from '../../segments';

export type CountState = 'counting' | 'done' | 'stopped' | 'error';

/** Count a rule's matches while it is edited: restarted (after a pause in typing) on every change,
 * a bounded API step at a time, the running total shown as it grows. */
export function useLiveCount(listId: string | null, rule: SegmentRule): { state: CountState; count: Count | null; error: unknown } {
  const key = useDebounced(JSON.stringify({ listId, rule }), 400);
  const [result, setResult] = useState<{ state: CountState; count: Count | null; error: unknown }>({ state: 'counting', count: null, error: null });
  useEffect(() => {
    const { listId: list, rule: asked } = JSON.parse(key) as { listId: string | null; rule: SegmentRule };
    let cancelled = false;
    const controller = new AbortController();
    setResult({ state: 'counting', count: null, error: null });
    countMatches((cursor) => api.previewSegment({ list_id: list, rule: asked, cursor }, controller.signal), {
      cancelled: () => cancelled,
      onStep: (count) => {
        if (!cancelled) setResult({ state: count.done ? 'done' : 'counting', count, error: null });
      },
    })
      .then((count) => {
        if (!cancelled) setResult({ state: count.done ? 'done' : 'stopped', count, error: null });
      })
      .catch((error: unknown) => {
        if (!cancelled) setResult((r) => ({ ...r, state: 'error', error }));
      });
    return () => {
      cancelled = true;
      controller.abort();
    };
  }, [key]);
  return result;
}
