/** "Download error report" of an import. */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type ReportLink } from '../../api';
import { errorMessage } from '../../components/FormError';

const LINK_FRESH_MS = 4 * 60_000; // the API's links live 5 minutes

/**
 * "Download error report": the 5-minute link is fetched up front (so it is a
 * real link) and again on click when it is about to expire.
 */
export function ReportLinkView({ importId, testid, compact }: { importId: string; testid: string; compact?: boolean }) {
  const [link, setLink] = useState<{ url: string; at: number } | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function fetchLink(): Promise<ReportLink | null> {
    try {
      const r = await api.importReport(importId);
      setLink({ url: r.url, at: Date.now() });
      setError(null);
      return r;
    } catch (err) {
      setError(err);
      return null;
    }
  }

  useEffect(() => {
    if (!compact) void fetchLink();
  }, [importId]);

  async function onClick(e: MouseEvent) {
    if (link && Date.now() - link.at < LINK_FRESH_MS) return; // the link is fresh: let the browser follow it
    e.preventDefault();
    const r = await fetchLink();
    if (r) window.location.assign(r.url);
  }

  const label = compact ? 'Error report' : 'Download error report';
  return (
    <span class="report-link">
      <a
        href={link?.url ?? `#report-${importId}`}
        onClick={(e) => void onClick(e)}
        download
        data-testid={testid}
        data-ready={link ? 'true' : 'false'}
      >
        {label}
        {!compact && <span class="muted small"> (CSV: row, email, reason)</span>}
      </a>
      {error !== null && (
        <span class="field__error" role="alert">
          {' '}
          {error instanceof ApiError && error.code === 'report_not_available'
            ? 'The report is not ready yet.'
            : errorMessage(error)}
        </span>
      )}
    </span>
  );
}

