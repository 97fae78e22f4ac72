import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/api';
import { asList, isRouteMissing, localJson, mailSrcdoc, NotAvailableError, pick } from '../src/localApi';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('local console client', () => {
  it('reads /_local routes on the same origin', async () => {
    const fetchImpl = vi.fn(async () => json(200, [{ name: 'q' }]));
    expect(await localJson('/queues', { fetchImpl: fetchImpl as unknown as typeof fetch })).toEqual([{ name: 'q' }]);
    expect((fetchImpl.mock.calls[0] as unknown[])[0]).toBe('/_local/queues');
  });

  it('a route the server does not have is "not available", not an error', async () => {
    for (const res of [
      json(404, { error: { code: 'not_found', message: 'Not Found', details: null } }),
      json(404, { detail: 'Not Found' }),
      json(405, { error: { code: 'method_not_allowed', message: 'Method Not Allowed', details: null } }),
    ]) {
      const err = await localJson('/executions', { fetchImpl: (async () => res) as unknown as typeof fetch }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotAvailableError);
    }
  });

  it('a specific 404 or a 500 stays an error', async () => {
    const specific = await localJson('/queues/x/messages', {
      fetchImpl: (async () => json(404, { error: { code: 'queue_not_found', message: 'No such queue', details: null } })) as unknown as typeof fetch,
    }).catch((e: unknown) => e);
    expect(specific).toBeInstanceOf(ApiError);
    expect((specific as ApiError).code).toBe('queue_not_found');
    expect(isRouteMissing(new ApiError(500, 'http_500', 'x'))).toBe(false);
  });

  it('asList accepts an array or an object wrapping one', () => {
    expect(asList([{ a: 1 }, 'x', null])).toEqual([{ a: 1 }]);
    expect(asList({ entries: [{ b: 2 }] })).toEqual([{ b: 2 }]);
    expect(asList({ messages: [{ c: 3 }] })).toEqual([{ c: 3 }]);
    expect(asList(null)).toEqual([]);
    expect(asList({ nothing: true })).toEqual([]);
  });

  it('pick returns the first present key as text', () => {
    expect(pick({ a: '', b: 2, c: 'x' }, ['a', 'b', 'c'])).toBe('2');
    expect(pick({ a: { x: 1 } }, ['a'])).toBe('{"x":1}');
    expect(pick({}, ['a'])).toBeNull();
  });

  it('mail HTML opens its links in a new tab', () => {
    expect(mailSrcdoc('<p><a href="https://x">x</a></p>')).toContain('<base target="_blank">');
    const full = mailSrcdoc('<html><head lang="en"><title>t</title></head><body>b</body></html>');
    expect(full).toBe('<html><head lang="en"><base target="_blank"><title>t</title></head><body>b</body></html>');
  });
});
