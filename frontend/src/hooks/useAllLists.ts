import { useEffect, useState } from 'preact/hooks';
import { api, type ContactList } from '../api';

/** All the account's lists (up to ten pages of 100), for a list picker and list names. */
export function useAllLists(): { lists: ContactList[] | null; error: unknown } {
  const [lists, setLists] = useState<ContactList[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const out: ContactList[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const p = await api.listLists({ limit: 100, cursor });
        out.push(...p.items);
        cursor = p.next_cursor;
        if (!cursor) break;
      }
      if (!cancelled) setLists(out);
    })().catch((err: unknown) => {
      if (!cancelled) setError(err);
    });
    return () => {
      cancelled = true;
    };
  }, []);
  return { lists, error };
}
