import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ImportJob, type UploadForm } from '../src/api';
import {
  buildUploadForm,
  IDLE,
  importPercent,
  importReducer,
  importStatusText,
  isNewer,
  jobFromMessage,
  uploadErrorFromS3,
  uploadFile,
  UploadError,
  validateImportFile,
  watchImport,
  type ImportAction,
  type ImportState,
} from '../src/imports';
import type { LiveMessage } from '../src/live';

const UPLOAD: UploadForm = {
  url: 'http://127.0.0.1:4566/herald-local-imports',
  // deliberately not alphabetical: the order given must be kept
  fields: {
    'Content-Type': 'text/csv',
    key: 'imports/u/abc.csv',
    'x-amz-algorithm': 'AWS4-HMAC-SHA256',
    'x-amz-credential': 'testing/20260101/us-east-1/s3/aws4_request',
    'x-amz-date': '20260101T000000Z',
    policy: 'eyJ...',
    'x-amz-signature': 'sig',
  },
  content_type: 'text/csv',
  max_bytes: 1000,
  expires_at: '2026-01-01T00:05:00Z',
};

function job(over: Partial<ImportJob> = {}): ImportJob {
  return {
    id: 'imp1',
    list_id: 'l1',
    status: 'waiting_upload',
    file_name: 'a.csv',
    rows_total: null,
    rows_done: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    errors: 0,
    failure: null,
    report_available: false,
    created_at: '2026-01-01T00:00:00Z',
    started_at: null,
    completed_at: null,
    ...over,
  };
}

describe('buildUploadForm (presigned POST)', () => {
  it('puts every field first, in the given order, and the file last as `file`', () => {
    const form = buildUploadForm(UPLOAD, new Blob(['email\na@b.co\n'], { type: 'text/csv' }), 'people.csv');
    const names = [...form.keys()];
    expect(names).toEqual([...Object.keys(UPLOAD.fields), 'file']);
    for (const [k, v] of Object.entries(UPLOAD.fields)) expect(form.get(k)).toBe(v);
  });

  it('sends the file as text/csv with its name, whatever type the browser gave it', async () => {
    const excelish = new Blob(['email\na@b.co\n'], { type: 'application/vnd.ms-excel' });
    const form = buildUploadForm(UPLOAD, excelish, 'people.csv');
    const file = form.get('file') as File;
    expect(file).toBeInstanceOf(Blob);
    expect(file.type).toBe('text/csv');
    expect(file.name).toBe('people.csv');
    expect(await file.text()).toBe('email\na@b.co\n');
  });

  it('keeps an already text/csv file as is', () => {
    const blob = new Blob(['x'], { type: 'text/csv' });
    const form = buildUploadForm(UPLOAD, blob, 'a.csv');
    expect((form.get('file') as File).size).toBe(1);
  });
});

describe('uploadFile', () => {
  it('POSTs the form to the presigned url without credentials', async () => {
    const fetchMock = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => new Response(null, { status: 204 }));
    await uploadFile(UPLOAD, new Blob(['email\n']), 'a.csv', fetchMock as unknown as typeof fetch);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(UPLOAD.url);
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('omit');
    expect(init?.body).toBeInstanceOf(FormData);
    expect(init?.headers).toBeUndefined(); // the browser sets the multipart boundary itself
    expect([...(init!.body as FormData).keys()].at(-1)).toBe('file');
  });

  it("turns S3's XML errors into words", async () => {
    const xml = '<?xml version="1.0"?><Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>';
    const fetchMock = vi.fn(async () => new Response(xml, { status: 400 }));
    const err = await uploadFile(UPLOAD, new Blob(['x']), 'a.csv', fetchMock as unknown as typeof fetch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect((err as UploadError).code).toBe('EntityTooLarge');
    expect((err as UploadError).message).toMatch(/too large/);
  });

  it('explains an expired policy and a network failure', async () => {
    expect(uploadErrorFromS3(403, '<Error><Code>AccessDenied</Code><Message>Policy expired</Message></Error>', 10).message).toMatch(
      /expired or was refused/,
    );
    expect(uploadErrorFromS3(500, 'oops', 10).message).toMatch(/HTTP 500/);
    const down = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const err = await uploadFile(UPLOAD, new Blob(['x']), 'a.csv', down as unknown as typeof fetch).catch((e: unknown) => e);
    expect((err as UploadError).code).toBe('network_error');
  });
});

describe('validateImportFile', () => {
  it('needs a non-empty file within the limit', () => {
    expect(validateImportFile(null, 100)).toMatch(/Choose a CSV/);
    expect(validateImportFile({ name: 'a.csv', size: 0 }, 100)).toMatch(/empty/);
    expect(validateImportFile({ name: 'a.csv', size: 101 }, 100)).toMatch(/too large/);
    expect(validateImportFile({ name: 'a.csv', size: 100 }, 100)).toBeNull();
  });
});

function run(actions: ImportAction[], from: ImportState = IDLE): ImportState {
  return actions.reduce(importReducer, from);
}

describe('import progress reducer', () => {
  const started: ImportAction[] = [{ type: 'start', fileName: 'a.csv' }, { type: 'started', job: job() }];

  it('goes starting → uploading → processing → completed with the right percent', () => {
    let s = importReducer(IDLE, { type: 'start', fileName: 'a.csv' });
    expect([s.phase, importPercent(s)]).toEqual(['starting', 0]);
    s = importReducer(s, { type: 'started', job: job() });
    expect(s.phase).toBe('uploading');
    s = importReducer(s, { type: 'uploaded' });
    expect([s.phase, importPercent(s)]).toEqual(['processing', null]); // row count not known yet
    expect(importStatusText(s)).toMatch(/Waiting for the import to start/);
    s = importReducer(s, { type: 'update', source: 'push', job: job({ status: 'processing', rows_total: 200, rows_done: 50 }) });
    expect([s.phase, importPercent(s), s.source]).toEqual(['processing', 25, 'push']);
    expect(importStatusText(s)).toMatch(/50 of 200/);
    s = importReducer(s, { type: 'update', source: 'poll', job: job({ status: 'processing', rows_total: 200, rows_done: 200 }) });
    expect(importPercent(s)).toBe(99); // counted, not committed: 100 only when completed
    s = importReducer(
      s,
      { type: 'update', source: 'push', job: job({ status: 'completed', rows_total: 200, rows_done: 200, created: 197, errors: 3, report_available: true }) },
    );
    expect([s.phase, importPercent(s)]).toEqual(['completed', 100]);
    expect(importStatusText(s)).toMatch(/200 rows read, 3 skipped/);
  });

  it('ignores a stale poll answer that arrives after a newer push', () => {
    const s = run([
      ...started,
      { type: 'uploaded' },
      { type: 'update', source: 'push', job: job({ status: 'processing', rows_total: 100, rows_done: 80 }) },
      { type: 'update', source: 'poll', job: job({ status: 'processing', rows_total: 100, rows_done: 40 }) },
      { type: 'update', source: 'poll', job: job({ status: 'waiting_upload' }) },
    ]);
    expect(s.job?.rows_done).toBe(80);
    expect(s.job?.status).toBe('processing');
  });

  it('never leaves a terminal state', () => {
    const done = run([
      ...started,
      { type: 'uploaded' },
      { type: 'update', source: 'push', job: job({ status: 'completed', rows_total: 10, rows_done: 10 }) },
    ]);
    const after = run(
      [
        { type: 'update', source: 'poll', job: job({ status: 'processing', rows_total: 10, rows_done: 10 }) },
        { type: 'error', message: 'late failure' },
      ],
      done,
    );
    expect(after.phase).toBe('completed');
    expect(after.error).toBeNull();
  });

  it('ignores updates for another import', () => {
    const s = run([...started, { type: 'update', source: 'push', job: job({ id: 'other', status: 'processing', rows_total: 5, rows_done: 5 }) }]);
    expect(s.job?.id).toBe('imp1');
    expect(s.phase).toBe('uploading');
  });

  it('a failed job shows its reason', () => {
    const s = run([
      ...started,
      { type: 'uploaded' },
      {
        type: 'update',
        source: 'poll',
        job: job({ status: 'failed', failure: { code: 'missing_email_column', message: 'The file has no email column.' } }),
      },
    ]);
    expect(s.phase).toBe('failed');
    expect(importStatusText(s)).toBe('Import failed: The file has no email column.');
  });

  it('an upload error ends the attempt with words; reset starts over', () => {
    const s = run([...started, { type: 'error', message: 'The file is too large.' }]);
    expect([s.phase, importStatusText(s)]).toEqual(['error', 'The file is too large.']);
    expect(importReducer(s, { type: 'reset' })).toEqual(IDLE);
  });

  it('a push that the worker started before `uploaded` was dispatched moves on to processing', () => {
    const s = run([...started, { type: 'update', source: 'push', job: job({ status: 'processing', rows_total: 4, rows_done: 1 }) }, { type: 'uploaded' }]);
    expect(s.phase).toBe('processing');
    expect(importPercent(s)).toBe(25);
  });

  it('isNewer orders by status, then rows done', () => {
    expect(isNewer(job(), job({ status: 'processing' }))).toBe(true);
    expect(isNewer(job({ status: 'processing', rows_done: 5 }), job({ status: 'processing', rows_done: 4 }))).toBe(false);
    expect(isNewer(job({ status: 'failed' }), job({ status: 'completed' }))).toBe(false);
  });
});

describe('jobFromMessage', () => {
  it('reads import.progress / import.completed and drops type and correlation id', () => {
    const msg: LiveMessage = { type: 'import.progress', correlation_id: 'c1', ...job({ status: 'processing', rows_done: 3 }) };
    const j = jobFromMessage(msg);
    expect(j?.id).toBe('imp1');
    expect(j?.rows_done).toBe(3);
    expect(j).not.toHaveProperty('type');
    expect(j).not.toHaveProperty('correlation_id');
  });
  it('ignores other messages and malformed ones', () => {
    expect(jobFromMessage({ type: 'pong', at: 1 })).toBeNull();
    expect(jobFromMessage({ type: 'import.progress', id: 'x' })).toBeNull();
  });
});

describe('watchImport: WebSocket, or polling when it is quiet', () => {
  let handlers: Set<(m: LiveMessage) => void>;
  const subscribe = (h: (m: LiveMessage) => void) => {
    handlers.add(h);
    return () => handlers.delete(h);
  };
  const push = (j: ImportJob, type = 'import.progress') => {
    for (const h of [...handlers]) h({ type, correlation_id: 'c', ...j });
  };

  beforeEach(() => {
    handlers = new Set();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('polls GET /api/imports/{id} every second when no message arrives, and stops when it ends', async () => {
    const answers = [
      job({ status: 'processing', rows_total: 10, rows_done: 2 }),
      job({ status: 'processing', rows_total: 10, rows_done: 7 }),
      job({ status: 'completed', rows_total: 10, rows_done: 10 }),
    ];
    const fetchJob = vi.fn(async () => answers.shift()!);
    const seen: string[] = [];
    watchImport({ importId: 'imp1', subscribe, fetchJob, onJob: (j, src) => seen.push(`${src}:${j.status}:${j.rows_done}`) });
    await vi.advanceTimersByTimeAsync(999);
    expect(fetchJob).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fetchJob).toHaveBeenCalledWith('imp1');
    await vi.advanceTimersByTimeAsync(2000);
    expect(seen).toEqual(['poll:processing:2', 'poll:processing:7', 'poll:completed:10']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetchJob).toHaveBeenCalledTimes(3); // stopped at the terminal state
    expect(handlers.size).toBe(0); // and unsubscribed
  });

  it('does not poll while messages keep coming; resumes when they stop', async () => {
    const fetchJob = vi.fn(async () => job({ status: 'processing', rows_total: 10, rows_done: 9 }));
    const seen: string[] = [];
    watchImport({ importId: 'imp1', subscribe, fetchJob, onJob: (j, src) => seen.push(`${src}:${j.rows_done}`) });
    for (let i = 1; i <= 6; i++) {
      await vi.advanceTimersByTimeAsync(500);
      push(job({ status: 'processing', rows_total: 10, rows_done: i }));
    }
    expect(fetchJob).not.toHaveBeenCalled();
    expect(seen).toEqual(['push:1', 'push:2', 'push:3', 'push:4', 'push:5', 'push:6']);
    // the socket goes quiet: not polled at once (pushes can be seconds apart)…
    await vi.advanceTimersByTimeAsync(3000);
    expect(fetchJob).not.toHaveBeenCalled();
    // …but after quietAfterPushMs (4 s after the last push, t = 7 s) it is, then every second
    await vi.advanceTimersByTimeAsync(999); // t = 6.999 s
    expect(fetchJob).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1); // t = 7 s
    expect(fetchJob).toHaveBeenCalledTimes(1);
    expect(seen.at(-1)).toBe('poll:9');
    await vi.advanceTimersByTimeAsync(2000);
    expect(fetchJob).toHaveBeenCalledTimes(3);
  });

  it('ignores messages about other imports, and stops on import.completed', async () => {
    const fetchJob = vi.fn(async () => job({ status: 'processing' }));
    const onJob = vi.fn();
    watchImport({ importId: 'imp1', subscribe, fetchJob, onJob });
    push(job({ id: 'someone-else', status: 'completed' }), 'import.completed');
    expect(onJob).not.toHaveBeenCalled();
    push(job({ status: 'completed', rows_total: 1, rows_done: 1 }), 'import.completed');
    expect(onJob).toHaveBeenCalledTimes(1);
    expect(onJob.mock.calls[0]![1]).toBe('push');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetchJob).not.toHaveBeenCalled();
    expect(handlers.size).toBe(0);
  });

  it('keeps polling through a failed poll, stops on 404, and stop() ends everything', async () => {
    let n = 0;
    const fetchJob = vi.fn(async () => {
      n++;
      if (n === 1) throw new ApiError(0, 'network_error', 'down');
      if (n === 2) return job({ status: 'processing' });
      throw new ApiError(404, 'import_not_found', 'gone');
    });
    const onError = vi.fn();
    watchImport({ importId: 'imp1', subscribe, fetchJob, onJob: () => {}, onError });
    await vi.advanceTimersByTimeAsync(3000);
    expect(fetchJob).toHaveBeenCalledTimes(3);
    expect(onError.mock.calls.map((c) => c[1])).toEqual([false, true]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetchJob).toHaveBeenCalledTimes(3);

    const again = vi.fn(async () => job({ status: 'processing' }));
    const stop = watchImport({ importId: 'imp1', subscribe, fetchJob: again, onJob: () => {} });
    await vi.advanceTimersByTimeAsync(1000);
    stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(again).toHaveBeenCalledTimes(1);
    expect(handlers.size).toBe(0);
  });
});
