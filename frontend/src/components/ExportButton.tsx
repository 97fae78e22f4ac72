/** "Export CSV": starts an export job, shows its progress, downloads the file when it is ready. */
import type { ExportKind } from '../api';
import { useExport } from '../hooks/useExport';
import { formatCount } from '../format';
import { FormError } from './FormError';

const MESSAGES = { exports_busy: 'Your other exports are still running; try again in a moment.' };

export function ExportButton({ kind, id, testid }: { kind: ExportKind; id: string; testid: string }) {
  const { job, error, running, start } = useExport(kind, id);
  const label = !running ? 'Export CSV' : job?.status === 'running' ? `Exporting… ${formatCount(job.rows)} rows` : 'Exporting…';
  return (
    <>
      <button type="button" class="btn btn--small" onClick={start} disabled={running} data-testid={testid}>
        {label}
      </button>
      {job?.status === 'ready' && job.download_url && (
        <a class="btn btn--small" href={job.download_url} data-testid={`${testid}-download`}>
          Download {job.file_name} ({formatCount(job.rows)} rows)
        </a>
      )}
      {job?.status === 'failed' && (
        <p class="alert alert--error" role="alert" data-testid={`${testid}-failed`}>
          {job.failure?.message ?? 'The export failed.'}
        </p>
      )}
      <FormError error={error} messages={MESSAGES} testid={`${testid}-error`} />
    </>
  );
}
