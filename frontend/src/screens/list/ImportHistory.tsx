/** The list's recent imports, newest first. */
import { useEffect, useState } from 'preact/hooks';
import { api, type ImportJob } from '../../api';
import { Badge } from '../../components/Badges';
import { DataTable, hiddenHeader, type Column } from '../../components/DataTable';
import { FormError } from '../../components/FormError';
import { TableCard } from '../../components/PagedTable';
import { formatCount, formatDateTime } from '../../format';
import { ReportLinkView } from './ReportLink';

const IMPORT_LABEL: Record<string, string> = {
  waiting_upload: 'Waiting for file',
  processing: 'Importing',
  completed: 'Completed',
  failed: 'Failed',
};
const IMPORT_TONE: Record<string, string> = { waiting_upload: 'muted', processing: 'info', completed: 'ok', failed: 'danger' };

const COLUMNS: Column<ImportJob>[] = [
  { header: 'File', class: 'cell--wrap', cell: (j) => j.file_name || <span class="muted">(no name)</span> },
  {
    header: 'Status',
    cell: (j) => (
      <Badge tone={IMPORT_TONE[j.status] ?? 'muted'} title={j.failure?.message}>
        {IMPORT_LABEL[j.status] ?? j.status}
      </Badge>
    ),
  },
  { header: 'Rows', num: true, cell: (j) => formatCount(j.rows_total ?? j.rows_done) },
  { header: 'New', num: true, cell: (j) => formatCount(j.created) },
  { header: 'Skipped', num: true, cell: (j) => formatCount(j.errors) },
  { header: 'Started', cell: (j) => formatDateTime(j.created_at) },
  {
    header: hiddenHeader('Report'),
    label: null,
    cell: (j) => j.report_available && <ReportLinkView importId={j.id} testid="import-history-report" compact />,
  },
];

export function ImportHistory({ listId, refresh }: { listId: string; refresh: number }) {
  const [items, setItems] = useState<ImportJob[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let cancelled = false;
    api
      .listImports(listId, { limit: 5 })
      .then((p) => {
        if (!cancelled) {
          setItems(p.items);
          setError(null);
        }
      })
      .catch((err: unknown) => {
        if (!cancelled) setError(err);
      });
    return () => {
      cancelled = true;
    };
  }, [listId, refresh]);

  if (error) return <FormError error={error} testid="import-history-error" />;
  if (!items || items.length === 0) return null;
  return (
    <TableCard title="Recent imports" headingId="import-history-heading">
      <DataTable columns={COLUMNS} rows={items} label="Recent imports" testid="import-history" rowTestid="import-history-row" />
    </TableCard>
  );
}
