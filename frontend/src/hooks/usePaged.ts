import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Page } from '../api';
import { FIRST_PAGE, hasPrevious, popCursor, pushCursor, type CursorStack } from '../paging';
import { useDebounced } from './useDebounced';

export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
  /** the cursors of the page on screen (for "Page n") */
  stack: CursorStack;
  /** a page is being fetched */
  loading: boolean;
  /** the first page has arrived */
  loaded: boolean;
  error: unknown;
  next: () => void;
  previous: () => void;
  /** fetch the page being shown again (after a change) */
  reload: () => void;
}

/**
 * One page at a time of a cursor-paged API route, with previous/next. A new
 * `key` (e.g. another search) starts again from the first page: cursors
 * belong to one query.
 */
export function usePaged<T>(key: string, fetchPage: (cursor: string | null) => Promise<Page<T>>): Paged<T> {
  const [nav, setNav] = useState<{ key: string; stack: CursorStack }>({ key, stack: FIRST_PAGE });
  const stack = nav.key === key ? nav.stack : FIRST_PAGE;
  const [page, setPage] = useState<{ key: string; stack: CursorStack; items: T[]; next: string | null } | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    fetchRef
      .current(stack.current)
      .then((p) => {
        if (cancelled) return;
        if (p.items.length === 0 && hasPrevious(stack)) {
          // the page emptied (its last rows were removed): show the one before
          setNav({ key, stack: popCursor(stack) });
          return;
        }
        setPage({ key, stack, items: p.items, next: p.next_cursor });
        setError(null);
        setLoading(false);
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        if (err instanceof ApiError && err.code === 'invalid_cursor' && stack !== FIRST_PAGE) {
          setNav({ key, stack: FIRST_PAGE });
          return;
        }
        setError(err);
        setLoading(false);
      });
    return () => {
      cancelled = true;
    };
  }, [key, stack, tick]);

  // the page on screen: until the requested one arrives the previous one stays, with its own
  // number and next cursor (a page of another search has no valid cursor here)
  const current = page && page.key === key ? page : null;
  return {
    // while another search loads, the previous rows stay (no flicker); its cursor does not
    items: page?.items ?? [],
    nextCursor: current?.next ?? null,
    stack: page?.stack ?? stack,
    loading,
    loaded: page !== null,
    error,
    next: () => {
      if (current?.next) setNav({ key, stack: pushCursor(current.stack, current.next) });
    },
    previous: () => setNav({ key, stack: popCursor(current?.stack ?? stack) }),
    reload: () => setTick((t) => t + 1),
  };
}

export interface SearchPaged<T> {
  /** the page for the prefix searched */
  paged: Paged<T>;
  /** what is typed in the search box */
  search: string;
  setSearch: (search: string) => void;
  /** the prefix searched: the typed words, trimmed and in lower case, once the typing paused (300 ms) */
  prefix: string;
}

/** usePaged of an email-prefix search being typed: each new prefix is a new query (page 1). */
export function useSearchPaged<T>(key: string, fetchPage: (prefix: string, cursor: string | null) => Promise<Page<T>>): SearchPaged<T> {
  const [search, setSearch] = useState('');
  const prefix = useDebounced(search.trim().toLowerCase(), 300);
  const paged = usePaged<T>(`${key}|${prefix}`, (cursor) => fetchPage(prefix, cursor));
  return { paged, search, setSearch, prefix };
}
