/**
 * CSV import, browser side (docs/CONTRACT.md "imports"):
 *
 * 1. `POST /api/lists/{id}/imports` → the job (waiting_upload) + a presigned S3 POST;
 * 2. `buildUploadForm` + `uploadFile`: multipart POST straight to S3 (every
 *    presigned field first, in the order given, then the file as `file`);
 * 3. `watchImport`: follow the job through `import.progress` / `import.completed`
 *    WebSocket messages, polling `GET /api/imports/{id}` every second whenever
 *    no message has arrived for a while (the socket may be down, or not exist);
 * 4. `importReducer`: one state for the screen, robust to updates arriving late
 *    or out of order (a poll answer older than a push never moves it back).
 */
import type { ImportJob, ImportStatus, UploadForm } from './api';
import type { LiveMessage } from './live';

// ---------------------------------------------------------------- upload

/** The CSV as S3 must receive it: typed text/csv (Windows often says application/vnd.ms-excel). */
export function asCsvBlob(file: Blob, contentType = 'text/csv'): Blob {
  return file.type === contentType ? file : new Blob([file], { type: contentType });
}

/** The multipart body of the presigned POST: every field as given, then the file, last, as `file`. */
export function buildUploadForm(upload: Pick<UploadForm, 'fields' | 'content_type'>, file: Blob, fileName: string): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', asCsvBlob(file, upload.content_type || 'text/csv'), fileName || 'import.csv');
  return form;
}

export class UploadError extends Error {
  override readonly name = 'UploadError';
  constructor(
    message: string,
    /** S3's error code (e.g. EntityTooLarge), "network_error", or `http_<status>` */
    readonly code: string,
  ) {
    super(message);
  }
}

function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 10 ? `${Math.round(mb)} MB` : `${Math.round(mb * 10) / 10} MB`;
}

/** S3 answers errors as XML: <Error><Code>…</Code><Message>…</Message></Error>. */
export function uploadErrorFromS3(status: number, body: string, maxBytes: number): UploadError {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1]?.trim() || `http_${status}`;
  const s3Message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1]?.trim();
  switch (code) {
    case 'EntityTooLarge':
      return new UploadError(`The file is too large. Files up to ${megabytes(maxBytes)} are accepted.`, code);
    case 'EntityTooSmall':
      return new UploadError('The file is empty.', code);
    case 'AccessDenied':
    case 'ExpiredToken':
    case 'RequestExpired':
      return new UploadError('The upload permission expired or was refused. Please start the import again.', code);
    default:
      return new UploadError(
        `The file could not be uploaded${s3Message ? ` (storage said: ${s3Message})` : ` (HTTP ${status})`}. Please try again.`,
        code,
      );
  }
}

/** Check a chosen file before anything is sent; null when it may go. */
export function validateImportFile(file: { name: string; size: number } | null, maxBytes: number): string | null {
  if (!file) return 'Choose a CSV file to import.';
  if (file.size === 0) return 'The file is empty.';
  if (file.size > maxBytes) return `The file is too large (${megabytes(file.size)}). Files up to ${megabytes(maxBytes)} are accepted.`;
  return null;
}

/** POST the file to the presigned URL (S3, another origin: no cookies, no token). */
export async function uploadFile(
  upload: UploadForm,
  file: Blob,
  fileName: string,
  fetchImpl: typeof fetch = (...args) => globalThis.fetch(...args),
): Promise<void> {
  let res: Response;
  try {
    res = await fetchImpl(upload.url, { method: 'POST', body: buildUploadForm(upload, file, fileName), credentials: 'omit' });
  } catch {
    throw new UploadError('Cannot reach the file storage. Check your connection and try again.', 'network_error');
  }
  if (res.ok) return;
  let body = '';
  try {
    body = await res.text();
  } catch {
    body = '';
  }
  throw uploadErrorFromS3(res.status, body, upload.max_bytes);
}

// ---------------------------------------------------------------- state

export type ImportPhase = 'idle' | 'starting' | 'uploading' | 'processing' | 'completed' | 'failed' | 'error';

export interface ImportState {
  phase: ImportPhase;
  fileName: string | null;
  job: ImportJob | null;
  /** a problem before the server took the file (start or upload failed), in words */
  error: string | null;
  /** where the last job update came from */
  source: 'start' | 'push' | 'poll' | null;
}

export type ImportAction =
  | { type: 'start'; fileName: string }
  | { type: 'started'; job: ImportJob }
  | { type: 'uploaded' }
  | { type: 'update'; job: ImportJob; source: 'push' | 'poll' }
  | { type: 'error'; message: string }
  | { type: 'reset' };

export const IDLE: ImportState = { phase: 'idle', fileName: null, job: null, error: null, source: null };

const RANK: Record<ImportStatus, number> = { waiting_upload: 0, processing: 1, completed: 2, failed: 2 };

export function isTerminal(status: ImportStatus | undefined | null): boolean {
  return status === 'completed' || status === 'failed';
}

/** Is `next` at least as far along as `prev` (so it may replace it)? */
export function isNewer(prev: ImportJob, next: ImportJob): boolean {
  if (isTerminal(prev.status)) return false; // a finished job never changes again
  const a = RANK[prev.status] ?? 0;
  const b = RANK[next.status] ?? 0;
  if (b !== a) return b > a;
  return next.rows_done >= prev.rows_done;
}

function phaseOf(job: ImportJob, current: ImportPhase): ImportPhase {
  if (job.status === 'completed') return 'completed';
  if (job.status === 'failed') return 'failed';
  if (job.status === 'processing') return 'processing';
  // waiting_upload: still sending if we are, else waiting for the worker to pick the file up
  return current === 'uploading' || current === 'starting' ? 'uploading' : 'processing';
}

export function importReducer(state: ImportState, action: ImportAction): ImportState {
  switch (action.type) {
    case 'start':
      return { ...IDLE, phase: 'starting', fileName: action.fileName };
    case 'started':
      if (state.phase !== 'starting') return state;
      return { ...state, phase: 'uploading', job: action.job, source: 'start' };
    case 'uploaded':
      if (state.phase !== 'uploading') return state;
      return { ...state, phase: 'processing' };
    case 'update': {
      const prev = state.job;
      if (!prev || prev.id !== action.job.id) return state;
      if (state.phase === 'error' || state.phase === 'idle') return state;
      if (!isNewer(prev, action.job)) return state;
      return { ...state, job: action.job, phase: phaseOf(action.job, state.phase), source: action.source };
    }
    case 'error':
      if (state.phase === 'completed' || state.phase === 'failed') return state;
      return { ...state, phase: 'error', error: action.message };
    case 'reset':
      return IDLE;
  }
}

/**
 * Percent for the progress bar, or null when it cannot be known yet (the
 * row count is set when processing starts). 100 only once the job is
 * completed: counted rows are not committed until then.
 */
export function importPercent(state: ImportState): number | null {
  if (state.phase === 'completed') return 100;
  const job = state.job;
  if (state.phase === 'starting' || state.phase === 'uploading') return 0;
  if (!job || job.rows_total === null || job.rows_total === undefined) return state.phase === 'processing' ? null : 0;
  if (job.rows_total <= 0) return 0;
  return Math.max(0, Math.min(99, Math.floor((job.rows_done * 100) / job.rows_total)));
}

/** One line for the status text under the bar. */
export function importStatusText(state: ImportState): string {
  const job = state.job;
  switch (state.phase) {
    case 'idle':
      return '';
    case 'starting':
      return 'Preparing the upload…';
    case 'uploading':
      return `Uploading ${state.fileName ?? 'the file'}…`;
    case 'processing':
      if (!job || job.status === 'waiting_upload' || job.rows_total === null) return 'Uploaded. Waiting for the import to start…';
      return `Importing: ${job.rows_done.toLocaleString()} of ${job.rows_total.toLocaleString()} rows`;
    case 'completed':
      return job
        ? `Import finished: ${(job.rows_total ?? job.rows_done).toLocaleString()} rows read, ${job.errors.toLocaleString()} skipped.`
        : 'Import finished.';
    case 'failed':
      return `Import failed: ${job?.failure?.message ?? 'the file could not be imported.'}`;
    case 'error':
      return state.error ?? 'The import could not be started.';
  }
}

// ---------------------------------------------------------------- following a job

/** The Import fields of an `import.progress` / `import.completed` message, or null for anything else. */
export function jobFromMessage(msg: LiveMessage): ImportJob | null {
  if (msg.type !== 'import.progress' && msg.type !== 'import.completed') return null;
  if (typeof msg.id !== 'string' || typeof msg.status !== 'string' || typeof msg.rows_done !== 'number') return null;
  const { type: _type, correlation_id: _cid, ...job } = msg;
  return job as unknown as ImportJob;
}

export interface WatchOptions {
  importId: string;
  /** subscribe to live messages (all types); returns the unsubscribe function */
  subscribe: (handler: (msg: LiveMessage) => void) => () => void;
  /** GET /api/imports/{id} */
  fetchJob: (id: string) => Promise<ImportJob>;
  onJob: (job: ImportJob, source: 'push' | 'poll') => void;
  /** a poll failed; polling goes on (a 404 stops it: `stop` is true then) */
  onError?: (err: unknown, stop: boolean) => void;
  /** poll period (ms) while the socket is quiet; default 1000 */
  pollMs?: number;
  /** before any message for this job came, the socket counts as quiet after this long (ms); default 1500 */
  quietMs?: number;
  /**
   * once messages do come, the quiet time is longer (ms; default 4000): the worker pushes on its
   * own commits, which can be seconds apart, and polling in between would only repeat them
   */
  quietAfterPushMs?: number;
  now?: () => number;
}

/**
 * Follow one import until it ends. WebSocket messages are used when they
 * come; whenever none came for a while (`quietMs`, or `quietAfterPushMs` once
 * some did), `GET /api/imports/{id}` is asked every `pollMs` instead, so the
 * feature works with no socket at all and survives a socket that drops.
 * Returns a function that stops watching.
 */
export function watchImport(opts: WatchOptions): () => void {
  const pollMs = opts.pollMs ?? 1000;
  const quietMs = opts.quietMs ?? 1500;
  const quietAfterPushMs = opts.quietAfterPushMs ?? 4000;
  const now = opts.now ?? Date.now;
  let lastPush = Number.NEGATIVE_INFINITY;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function stop(): void {
    if (stopped) return;
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    unsubscribe();
  }

  const unsubscribe = opts.subscribe((msg) => {
    if (stopped) return;
    const job = jobFromMessage(msg);
    if (!job || job.id !== opts.importId) return;
    lastPush = now();
    opts.onJob(job, 'push');
    if (isTerminal(job.status)) stop();
  });

  function schedule(): void {
    if (!stopped) timer = setTimeout(() => void tick(), pollMs);
  }

  async function tick(): Promise<void> {
    timer = null;
    if (stopped) return;
    const quiet = lastPush === Number.NEGATIVE_INFINITY ? quietMs : quietAfterPushMs;
    if (now() - lastPush >= quiet) {
      try {
        const job = await opts.fetchJob(opts.importId);
        if (stopped) return;
        opts.onJob(job, 'poll');
        if (isTerminal(job.status)) {
          stop();
          return;
        }
      } catch (err) {
        if (stopped) return;
        const gone = typeof err === 'object' && err !== null && (err as { status?: unknown }).status === 404;
        opts.onError?.(err, gone);
        if (gone) {
          stop();
          return;
        }
      }
    }
    schedule();
  }

  schedule();
  return stop;
}
