/**
 * The local runner's dev-console routes (`/_local/*`, same origin as the SPA,
 * never deployed). Some are newer than this build: a route the server does
 * not have is reported as `NotAvailableError`, so the console can say so
 * calmly instead of showing an error.
 */
import { ApiError, NETWORK_ERROR_MESSAGE, parseError } from './api';

export class NotAvailableError extends Error {
  override readonly name = 'NotAvailableError';
  constructor(readonly path: string) {
    super('Not available in this build of the local runner.');
  }
}

/**
 * Is this error the server's answer for a route it does not have? (The
 * generic 404 "not_found" / FastAPI's default, or 405 for a method it does
 * not route.) A route that exists answers a specific code instead, e.g.
 * `queue_not_found`.
 */
export function isRouteMissing(err: ApiError): boolean {
  if (err.status === 405) return true;
  return err.status === 404 && (err.code === 'not_found' || err.code === 'http_404');
}

export interface Resource {
  logical_id: string;
  type: string;
  physical_id: string | null;
  status: string;
  detail: string;
}

export interface QueueInfo {
  name: string;
  url: string;
  arn: string | null;
  depth: number;
  in_flight: number;
  delayed?: number;
  dlq: string | null;
  dlq_depth: number | null;
  local?: boolean;
}

export interface PollerInfo {
  name: string;
  invocations: number;
  errors: number;
  [key: string]: unknown;
}

export interface BusEvent {
  id: string;
  'detail-type': string;
  source: string;
  time: string;
  detail: Record<string, unknown>;
  [key: string]: unknown;
}

export interface OutboxMessage {
  id: string;
  from: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  sent_at: string;
  /** Links SES tracks in this message: `href` is the tracking URL, `link` where it leads. */
  tracked_links?: { href: string; link: string }[];
  [key: string]: unknown;
}

/** The fault switches (`GET /_local/faults`). */
export interface FaultSwitch {
  mode: string;
  rate: number;
  remaining: number | null;
}

export interface Faults {
  ses: FaultSwitch;
  dynamodb: FaultSwitch;
  functions: Record<string, number>;
  injected: Record<string, number>;
}

export interface LocalFunction {
  logical_id: string;
  name: string;
  handler: string;
  arn: string;
}

export interface SnapshotEntry {
  name: string;
  bytes: number;
  saved_at: string;
}

export interface ScheduleEntry {
  name: string;
  group: string;
  expression: string | null;
  timezone: string | null;
  due_at: string | null;
  state: string | null;
  target_arn: string | null;
  input: unknown;
}

export async function localJson<T>(
  path: string,
  opts: {
    method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
    body?: unknown;
    signal?: AbortSignal;
    fetchImpl?: typeof fetch;
  } = {},
): Promise<T> {
  const doFetch = opts.fetchImpl ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
  let res: Response;
  try {
    res = await doFetch(`/_local${path}`, {
      method: opts.method ?? 'GET',
      headers: opts.body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      cache: 'no-store',
      credentials: 'same-origin',
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', NETWORK_ERROR_MESSAGE);
  }
  if (!res.ok) {
    const err = await parseError(res);
    throw isRouteMissing(err) ? new NotAvailableError(path) : err;
  }
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

/** An array answer, or the array inside {items|entries|messages|executions|history: [...]}. */
export function asList(value: unknown): Record<string, unknown>[] {
  const arr = Array.isArray(value)
    ? value
    : value && typeof value === 'object'
      ? (['items', 'entries', 'messages', 'executions', 'history', 'events'] as const)
          .map((k) => (value as Record<string, unknown>)[k])
          .find(Array.isArray)
      : undefined;
  return (arr ?? []).filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
}

/** The first of `keys` that the object has as a non-empty value, as text. */
export function pick(obj: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || v === null || v === '') continue;
    return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  }
  return null;
}

/** Make a mail's HTML open its links in a new tab (the sandbox allows popups, not navigating the frame). */
export function mailSrcdoc(html: string): string {
  const base = '<base target="_blank">';
  if (/<head(\s[^>]*)?>/i.test(html)) return html.replace(/<head(\s[^>]*)?>/i, (m) => `${m}${base}`);
  return `<!doctype html><html><head><meta charset="utf-8"><base target="_blank"></head><body>${html}</body></html>`;
}
