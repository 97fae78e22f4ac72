import { useEffect, useState } from 'preact/hooks';
import { api, type ContactList, type Page } from '../api';

/** Every item of a cursor-paged route (up to ten pages of 100), for pickers and names. */
export async function allPages<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 10; i++) {
    const page: Page<T> = await fetchPage(cursor);
    out.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return out;
}

/** All the account's lists, for a list picker and list names. */
export function useAllLists(): { lists: ContactList[] | null; error: unknown } {
  const [lists, setLists] = useState<ContactList[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    allPages((cursor) => api.listLists({ limit: 100, cursor })).then(
      (found) => {
        if (!cancelled) setLists(found);
      },
      (err: unknown) => {
        if (!cancelled) setError(err);
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);
  return { lists, error };
}
