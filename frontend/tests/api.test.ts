import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, fieldErrorsFromDetails, parseError } from '../src/api';

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

const TOKEN = (t: string) => ({ access_token: t, token_type: 'Bearer', expires_in: 3600 });
const ME = { id: 'u1', email: 'a@example.com', name: 'Ann', created_at: '2024-01-01T00:00:00Z', groups: [] };

type Call = { url: string; method: string; auth: string | null; body: unknown; credentials: RequestCredentials | undefined };

/** A fetch mock that answers by "METHOD path" from a queue of responses, and records calls. */
function mockFetch(routes: Record<string, Array<() => Response>>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({
      url,
      method,
      auth: headers.Authorization ?? null,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
      credentials: init?.credentials,
    });
    const key = `${method} ${url}`;
    const queue = routes[key];
    const next = queue?.shift();
    if (!next) throw new Error(`unexpected request ${key}`);
    return next();
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

describe('parseError', () => {
  it('reads the contract error shape and the correlation id', async () => {
    const err = await parseError(
      json(
        409,
        { error: { code: 'user_exists', message: 'User already exists', details: [{ loc: ['body', 'email'], msg: 'taken' }] } },
        { 'X-Correlation-Id': 'abc-123' },
      ),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(409);
    expect(err.code).toBe('user_exists');
    expect(err.message).toBe('User already exists');
    expect(err.details).toEqual([{ loc: ['body', 'email'], msg: 'taken' }]);
    expect(err.correlationId).toBe('abc-123');
  });

  it('falls back to a generic message for a non-JSON body', async () => {
    const err = await parseError(new Response('<html>Bad gateway</html>', { status: 502 }));
    expect(err.code).toBe('http_502');
    expect(err.message).toMatch(/went wrong on our side/);
    expect(err.details).toBeNull();
  });

  it("understands FastAPI's default {detail} bodies", async () => {
    const a = await parseError(json(404, { detail: 'Not Found' }));
    expect([a.code, a.message]).toEqual(['http_404', 'Not Found']);
    const b = await parseError(json(422, { detail: [{ loc: ['body', 'name'], msg: 'too long' }] }));
    expect(b.code).toBe('validation_error');
    expect(fieldErrorsFromDetails(b.details)).toEqual({ name: 'too long' });
  });

  it('fills a missing code or message from the status', async () => {
    const err = await parseError(json(403, { error: { details: null } }));
    expect(err.code).toBe('http_403');
    expect(err.message).toBe('You do not have access to this.');
  });
});

describe('fieldErrorsFromDetails', () => {
  it('maps loc/field entries to fields and ignores unknown shapes', () => {
    expect(
      fieldErrorsFromDetails([
        { loc: ['body', 'email'], msg: 'bad email' },
        { field: 'password', message: 'too short' },
        { loc: ['body', 'email'], msg: 'second one ignored' },
        'just a string',
        null,
      ]),
    ).toEqual({ email: 'bad email', password: 'too short' });
    expect(fieldErrorsFromDetails(null)).toEqual({});
  });
});

describe('createApi', () => {
  it('logs in, keeps the token in memory and sends it as Bearer', async () => {
    const m = mockFetch({
      'POST /api/auth/login': [() => json(200, TOKEN('t1'))],
      'GET /api/me': [() => json(200, ME)],
    });
    const api = createApi({ baseUrl: '/api/', fetch: m.fetch });
    await api.login({ email: 'a@example.com', password: 'Secret12345' });
    expect(api.getAccessToken()).toBe('t1');
    expect(await api.getMe()).toEqual(ME);
    expect(m.calls[0]).toMatchObject({ auth: null, credentials: 'same-origin', body: { email: 'a@example.com' } });
    expect(m.calls[1]).toMatchObject({ url: '/api/me', auth: 'Bearer t1', credentials: 'same-origin' });
  });

  it('on a 401 refreshes once, then retries with the new token', async () => {
    const m = mockFetch({
      'GET /api/me': [
        () => json(401, { error: { code: 'not_authenticated', message: 'expired', details: null } }),
        () => json(200, ME),
      ],
      'POST /api/auth/refresh': [() => json(200, TOKEN('fresh'))],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    api.setAccessToken('stale');
    const me = await api.getMe();
    expect(me.email).toBe('a@example.com');
    expect(m.calls.map((c) => `${c.method} ${c.url} ${c.auth}`)).toEqual([
      'GET /api/me Bearer stale',
      'POST /api/auth/refresh null',
      'GET /api/me Bearer fresh',
    ]);
    expect(api.getAccessToken()).toBe('fresh');
  });

  it('shares one refresh between concurrent 401s', async () => {
    const unauthorized = () => json(401, { error: { code: 'not_authenticated', message: 'x', details: null } });
    const m = mockFetch({
      'GET /api/me': [unauthorized, unauthorized, () => json(200, ME), () => json(200, ME)],
      'POST /api/auth/refresh': [() => json(200, TOKEN('fresh'))],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    api.setAccessToken('stale');
    await Promise.all([api.getMe(), api.getMe()]);
    expect(m.calls.filter((c) => c.url === '/api/auth/refresh')).toHaveLength(1);
    expect(m.calls.filter((c) => c.auth === 'Bearer fresh')).toHaveLength(2);
  });

  it('when the refresh fails: throws the original error, drops the token, tells listeners', async () => {
    const m = mockFetch({
      'GET /api/me': [() => json(401, { error: { code: 'not_authenticated', message: 'expired', details: null } })],
      'POST /api/auth/refresh': [() => json(401, { error: { code: 'not_authenticated', message: 'no cookie', details: null } })],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    const lost = vi.fn();
    api.onAuthLost(lost);
    api.setAccessToken('stale');
    const err = await api.getMe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('not_authenticated');
    expect((err as ApiError).message).toBe('expired');
    expect(api.getAccessToken()).toBeNull();
    expect(lost).toHaveBeenCalledTimes(1);
    expect(m.calls).toHaveLength(2); // no second retry
  });

  it('retries only once: a second 401 after refreshing is final', async () => {
    const unauthorized = () => json(401, { error: { code: 'not_authenticated', message: 'nope', details: null } });
    const m = mockFetch({
      'GET /api/me': [unauthorized, unauthorized],
      'POST /api/auth/refresh': [() => json(200, TOKEN('fresh'))],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    api.setAccessToken('stale');
    await expect(api.getMe()).rejects.toMatchObject({ status: 401, code: 'not_authenticated' });
    expect(m.calls).toHaveLength(3);
  });

  it('does not refresh on a 401 from login (wrong password)', async () => {
    const m = mockFetch({
      'POST /api/auth/login': [
        () => json(401, { error: { code: 'invalid_credentials', message: 'Incorrect', details: null } }),
      ],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    await expect(api.login({ email: 'a@example.com', password: 'x' })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    expect(m.calls).toHaveLength(1);
    expect(api.getAccessToken()).toBeNull();
  });

  it('without a token in memory, tries the refresh cookie before a private call', async () => {
    const m = mockFetch({
      'POST /api/auth/refresh': [() => json(200, TOKEN('from-cookie'))],
      'PATCH /api/me': [() => json(200, { ...ME, name: 'Bob' })],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    const me = await api.updateMe({ name: 'Bob' });
    expect(me.name).toBe('Bob');
    expect(m.calls[1]).toMatchObject({ method: 'PATCH', auth: 'Bearer from-cookie', body: { name: 'Bob' } });
  });

  it('a network failure during refresh is an error, not a logout', async () => {
    const fetchFn = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const api = createApi({ baseUrl: '/api', fetch: fetchFn as unknown as typeof fetch });
    const lost = vi.fn();
    api.onAuthLost(lost);
    await expect(api.refresh()).rejects.toMatchObject({ status: 0, code: 'network_error' });
    expect(lost).not.toHaveBeenCalled();
  });

  it('builds the admin users query with limit and cursor', async () => {
    const page = { items: [], next_cursor: null };
    const m = mockFetch({
      'GET /api/admin/users?limit=25&cursor=abc%3D%3D': [() => json(200, page)],
      'GET /api/admin/users': [() => json(200, page)],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    api.setAccessToken('t');
    expect(await api.listUsers({ limit: 25, cursor: 'abc==' })).toEqual(page);
    await api.listUsers();
    expect(m.calls.map((c) => c.url)).toEqual(['/api/admin/users?limit=25&cursor=abc%3D%3D', '/api/admin/users']);
  });

  it('logout clears the token even when the server call fails, and handles 204', async () => {
    const m = mockFetch({
      'POST /api/auth/logout': [() => new Response(null, { status: 204 }), () => json(500, { error: { code: 'boom', message: 'x', details: null } })],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    api.setAccessToken('t');
    await api.logout();
    expect(api.getAccessToken()).toBeNull();
    api.setAccessToken('t2');
    await expect(api.logout()).rejects.toBeInstanceOf(ApiError);
    expect(api.getAccessToken()).toBeNull();
  });
});

describe('contacts and imports calls', () => {
  const LIST = { id: 'l1', name: 'N', description: '', subscriber_count: 0, created_at: 'x', updated_at: 'x' };

  it('pages lists and searches subscribers with query parameters, encoding path segments', async () => {
    const m = mockFetch({
      'GET /api/lists?limit=20&cursor=c%2B1': [() => json(200, { items: [LIST], next_cursor: null })],
      'GET /api/lists/l%2F1/subscribers?email_prefix=ann%40&limit=25': [() => json(200, { items: [], next_cursor: 'n' })],
      'PATCH /api/lists/l1/subscribers/a%2Bb%40x.co': [() => json(200, {})],
      'DELETE /api/suppression/a%40x.co': [() => new Response(null, { status: 204 })],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    api.setAccessToken('t');
    expect((await api.listLists({ limit: 20, cursor: 'c+1' })).items).toEqual([LIST]);
    expect((await api.listSubscribers('l/1', { email_prefix: 'ann@', limit: 25, cursor: null })).next_cursor).toBe('n');
    await api.updateSubscriber('l1', 'a+b@x.co', { status: 'unsubscribed' });
    expect(m.calls[2]!.body).toEqual({ status: 'unsubscribed' });
    expect(await api.liftSuppression('a@x.co')).toBeUndefined();
    expect(m.calls.every((c) => c.auth === 'Bearer t')).toBe(true);
  });

  it('starts an import with the file name and reads its report link', async () => {
    const m = mockFetch({
      'POST /api/lists/l1/imports': [() => json(201, { id: 'i1', upload: { url: 'http://s3', fields: {} } })],
      'GET /api/imports/i1/report': [() => json(200, { url: 'http://s3/report', expires_at: 'x' })],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    api.setAccessToken('t');
    const started = await api.startImport('l1', { file_name: 'people.csv' });
    expect(started.upload.url).toBe('http://s3');
    expect(m.calls[0]!.body).toEqual({ file_name: 'people.csv' });
    expect((await api.importReport('i1')).url).toBe('http://s3/report');
  });

  it('a 409 subscriber_exists comes back as an ApiError with its code', async () => {
    const m = mockFetch({
      'POST /api/lists/l1/subscribers': [
        () => json(409, { error: { code: 'subscriber_exists', message: 'exists', details: null } }),
      ],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    api.setAccessToken('t');
    const err = await api.addSubscriber('l1', { email: 'a@b.co' }).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('subscriber_exists');
  });
});

describe('campaign pause and resume calls', () => {
  const CAMPAIGN = (status: string) => ({ id: 'c/1', name: 'N', status, timeline: [{ status, at: '2026-01-01T10:00:00Z' }] });

  it('pauses with POST /campaigns/{id}/pause and resumes with POST /campaigns/{id}/resume, with the token', async () => {
    const m = mockFetch({
      'POST /api/campaigns/c%2F1/pause': [() => json(200, CAMPAIGN('paused'))],
      'POST /api/campaigns/c%2F1/resume': [() => json(200, CAMPAIGN('sending'))],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    api.setAccessToken('t');
    expect((await api.pauseCampaign('c/1')).status).toBe('paused');
    expect((await api.resumeCampaign('c/1')).status).toBe('sending');
    expect(m.calls.map((c) => `${c.method} ${c.url} ${c.auth}`)).toEqual([
      'POST /api/campaigns/c%2F1/pause Bearer t',
      'POST /api/campaigns/c%2F1/resume Bearer t',
    ]);
  });

  it('a 409 on pause or resume comes back as an ApiError with the conflict code', async () => {
    const m = mockFetch({
      'POST /api/campaigns/c1/pause': [
        () => json(409, { error: { code: 'campaign_not_sending', message: 'The campaign is sent.', details: null } }),
      ],
      'POST /api/campaigns/c1/resume': [
        () => json(409, { error: { code: 'campaign_not_paused', message: 'The campaign is sending.', details: null } }),
      ],
    });
    const api = createApi({ baseUrl: '/api', fetch: m.fetch });
    api.setAccessToken('t');
    const paused = await api.pauseCampaign('c1').catch((e: unknown) => e);
    expect(paused).toBeInstanceOf(ApiError);
    expect(paused).toMatchObject({ status: 409, code: 'campaign_not_sending', message: 'The campaign is sent.' });
    await expect(api.resumeCampaign('c1')).rejects.toMatchObject({ status: 409, code: 'campaign_not_paused' });
    expect(m.calls).toHaveLength(2); // a 409 is not retried
  });
});
