/**
 * A tiny History-API router: real paths (/login, /profile, ...), no hash.
 * The server answers every unknown path with index.html (SPA fallback).
 */
import type { ComponentChildren, JSX } from 'preact';
import { useLayoutEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();

function notify(): void {
  for (const l of listeners) l();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

export function currentLocation(): Location {
  return { path: window.location.pathname || '/', query: new URLSearchParams(window.location.search) };
}

export function navigate(to: string, { replace = false }: { replace?: boolean } = {}): void {
  const here = window.location.pathname + window.location.search;
  if (to === here) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

/**
 * The current location, re-rendering on every navigation. It subscribes in a layout effect,
 * which runs in the same task as the render: a plain effect waits for the next frame, and a
 * navigation before it (a key pressed on a screen just shown) changed the URL but not the screen.
 */
export function useLocation(): Location {
  const [loc, setLoc] = useState(currentLocation);
  useLayoutEffect(() => {
    const update = () => setLoc(currentLocation());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return loc;
}

/** Build "/path?a=1" from a path and optional query values (undefined/empty are dropped). */
export function href(path: string, query: Record<string, string | null | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * Match a path against a pattern with `:name` segments ("/lists/:id").
 * Returns the decoded parameters, or null when it does not match.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return null;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) return null;
  }
  return params;
}

/** Only same-app paths are accepted as a redirect target ("?next=/profile"). */
export function safeNext(next: string | null, fallback: string): string {
  return next && /^\/(?![/\\])/.test(next) ? next : fallback;
}

type AnchorProps = JSX.HTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren };

/** An <a> that navigates client-side on a plain left click, and stays a real link otherwise. */
export function Link(props: AnchorProps) {
  const { href: to, onClick, ...rest } = props;
  return (
    <a
      {...rest}
      href={to}
      onClick={(e) => {
        if (onClick) (onClick as (ev: MouseEvent) => void)(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    />
  );
}
