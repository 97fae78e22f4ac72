import { useEffect, useState } from 'preact/hooks';

/**
 * The item of a page that shows one, or creates one when its id is `new`: loaded by `get`
 * (a new id loads again); `ready` once there is one to show, or at once when creating.
 */
export function useDetail<T>(id: string, get: (id: string) => Promise<T>) {
  const creating = id === 'new';
  const [item, setItem] = useState<T | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  useEffect(() => {
    if (!creating) get(id).then(setItem, setLoadError);
  }, [id, creating]);
  return { creating, item, setItem, loadError, ready: creating || item !== null };
}
