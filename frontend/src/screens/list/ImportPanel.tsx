/** CSV import on a list's page: choose a file, upload it, follow the progress, then the counts. */
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { api, type ImportJob } from '../../api';
import { controlProps, FieldFrame } from '../../components/Field';
import { errorMessage, FormError } from '../../components/FormError';
import { formatCount } from '../../format';
import {
  IDLE,
  importPercent,
  importReducer,
  importStatusText,
  isTerminal,
  uploadFile,
  UploadError,
  validateImportFile,
  watchImport,
} from '../../imports';
import type { LiveHandler, LiveState } from '../../live';
import { acquireLive, live } from '../../liveApp';
import { ReportLinkView } from './ReportLink';

/** The API's default IMPORT_MAX_BYTES; the real limit comes back with the upload form. */
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

const FILE_HINT = `UTF-8, up to ${Math.round(DEFAULT_MAX_BYTES / (1024 * 1024))} MB.`;

const START_MESSAGES: Record<string, string> = {
  list_not_found: 'This list no longer exists.',
};

/** Subscribe one handler to both import message types. */
function subscribeImports(handler: LiveHandler): () => void {
  const a = live.subscribe('import.progress', handler);
  const b = live.subscribe('import.completed', handler);
  return () => {
    a();
    b();
  };
}

export function ImportPanel({ listId, onFinished }: { listId: string; onFinished: (job: ImportJob) => void }) {
  const [state, dispatch] = useReducer(importReducer, IDLE);
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | undefined>();
  const [watching, setWatching] = useState<string | null>(null);
  const [liveState, setLiveState] = useState<LiveState>(live.state);
  const [pollError, setPollError] = useState<unknown>(null);
  const input = useRef<HTMLInputElement>(null);
  const finishedFor = useRef<string | null>(null);
  const finishedCb = useRef(onFinished);
  finishedCb.current = onFinished;

  // The socket is opened while this panel is on screen, so it is ready when an import starts.
  useEffect(() => {
    const release = acquireLive();
    const off = live.onStateChange(setLiveState);
    setLiveState(live.state);
    return () => {
      off();
      release();
    };
  }, []);

  useEffect(() => {
    if (!watching) return;
    return watchImport({
      importId: watching,
      subscribe: subscribeImports,
      fetchJob: (id) => api.getImport(id),
      onJob: (job, source) => {
        setPollError(null);
        dispatch({ type: 'update', job, source });
      },
      onError: (err) => setPollError(err),
    });
  }, [watching]);

  const job = state.job;
  useEffect(() => {
    if (job && isTerminal(job.status) && finishedFor.current !== job.id) {
      finishedFor.current = job.id;
      finishedCb.current(job);
    }
  }, [job]);

  const busy = state.phase === 'starting' || state.phase === 'uploading' || state.phase === 'processing';
  const done = state.phase === 'completed' || state.phase === 'failed';

  async function onSubmit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const problem = validateImportFile(file, DEFAULT_MAX_BYTES);
    setFileError(problem ?? undefined);
    if (problem || !file) {
      input.current?.focus();
      return;
    }
    setPollError(null);
    setWatching(null);
    dispatch({ type: 'start', fileName: file.name });
    let started;
    try {
      started = await api.startImport(listId, { file_name: file.name.slice(0, 255) });
    } catch (err) {
      dispatch({ type: 'error', message: errorMessage(err, START_MESSAGES) });
      return;
    }
    dispatch({ type: 'started', job: started });
    const tooBig = validateImportFile(file, started.upload.max_bytes);
    if (tooBig) {
      dispatch({ type: 'error', message: tooBig });
      return;
    }
    try {
      await uploadFile(started.upload, file, file.name);
    } catch (err) {
      dispatch({ type: 'error', message: err instanceof UploadError ? err.message : errorMessage(err) });
      return;
    }
    dispatch({ type: 'uploaded' });
    setWatching(started.id);
  }

  function reset() {
    dispatch({ type: 'reset' });
    setWatching(null);
    setFile(null);
    setFileError(undefined);
    if (input.current) {
      input.current.value = '';
      input.current.focus();
    }
  }

  const pct = importPercent(state);
  const showProgress = state.phase !== 'idle' && state.phase !== 'error';

  return (
    <section class="card form" aria-labelledby="import-heading" data-testid="import-panel">
      <h2 id="import-heading">Import a CSV file</h2>
      <p class="muted small">
        A header row with an <code>email</code> column; <code>name</code> is optional and every other column becomes an
        attribute. Existing subscribers keep their status.
      </p>
      <form class="form" onSubmit={onSubmit} noValidate aria-busy={busy}>
        <FieldFrame id="import-file" label="CSV file" error={fileError} hint={FILE_HINT}>
          <input
            ref={input}
            {...controlProps({ id: 'import-file', error: fileError, hint: FILE_HINT })}
            type="file"
            accept=".csv,text/csv"
            disabled={busy}
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0] ?? null);
              setFileError(undefined);
              if (done || state.phase === 'error') dispatch({ type: 'reset' });
            }}
          />
        </FieldFrame>
        <div class="form__actions">
          <button type="submit" class="btn btn--primary" disabled={busy} data-testid="import-submit">
            {busy ? 'Importing…' : 'Import'}
          </button>
          {done && (
            <button type="button" class="btn" onClick={reset} data-testid="import-reset">
              Import another file
            </button>
          )}
        </div>
      </form>

      {state.phase === 'error' && (
        <div class="alert alert--error" role="alert" data-testid="import-error">
          <p>{state.error}</p>
        </div>
      )}

      {showProgress && (
        <div class="import-progress">
          <div
            class={`progress${pct === null ? ' progress--indeterminate' : ''}${state.phase === 'failed' ? ' progress--failed' : ''}`}
            role="progressbar"
            aria-label="Import progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct === null ? undefined : pct}
            aria-valuetext={pct === null ? 'Waiting to start' : `${pct}%`}
            data-testid="import-progress"
          >
            <div class="progress__bar" style={{ width: `${pct ?? 100}%` }} />
          </div>
          <p class="import-status" role="status" aria-live="polite" data-testid="import-status" data-phase={state.phase}>
            {importStatusText(state)}
            {pct !== null && state.phase === 'processing' && <span class="muted"> ({pct}%)</span>}
          </p>
          {busy && (
            <p class="muted small" data-testid="import-channel">
              {liveState === 'open' ? 'Live updates are on.' : 'Checking for progress every second.'}
            </p>
          )}
          <FormError error={pollError} testid="import-poll-error" />
        </div>
      )}

      {state.phase === 'failed' && job?.failure && (
        <div class="alert alert--error" role="alert" data-testid="import-failure">
          <p>{job.failure.message}</p>
          <p class="alert__ref">Code: {job.failure.code}</p>
        </div>
      )}

      {done && job && <ImportSummary job={job} />}
    </section>
  );
}

function ImportSummary({ job }: { job: ImportJob }) {
  return (
    <div class="import-summary" data-testid="import-summary">
      <dl class="stats">
        <div>
          <dt>Rows read</dt>
          <dd data-testid="import-rows">{formatCount(job.rows_total ?? job.rows_done)}</dd>
        </div>
        <div>
          <dt>New</dt>
          <dd data-testid="import-created">{formatCount(job.created)}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd data-testid="import-updated">{formatCount(job.updated)}</dd>
        </div>
        <div>
          <dt>Unchanged</dt>
          <dd data-testid="import-unchanged">{formatCount(job.unchanged)}</dd>
        </div>
        <div class={job.errors > 0 ? 'stats--bad' : undefined}>
          <dt>Skipped</dt>
          <dd data-testid="import-errors">{formatCount(job.errors)}</dd>
        </div>
      </dl>
      {job.report_available && <ReportLinkView importId={job.id} testid="import-report-link" />}
    </div>
  );
}
