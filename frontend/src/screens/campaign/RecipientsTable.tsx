/** The campaign's recipients, a page at a time, with their delivery status. */
import { useEffect } from 'preact/hooks';
import { api, type Recipient } from '../../api';
import { DeliveryStatusBadge } from '../../components/Badges';
import type { Column } from '../../components/DataTable';
import { PagedTable } from '../../components/PagedTable';
import { formatDateTime } from '../../format';
import { usePaged } from '../../hooks/usePaged';

export const RECIPIENTS_PAGE_SIZE = 25;

const COLUMNS: Column<Recipient>[] = [
  { header: 'Email', class: 'cell--strong cell--wrap', testid: 'campaign-recipient-email', cell: (r) => r.email },
  { header: 'Status', cell: (r) => <DeliveryStatusBadge status={r.status} testid="campaign-recipient-status" /> },
  { header: 'Note', class: 'cell--wrap', cell: (r) => r.reason ?? <span class="muted">—</span> },
  { header: 'Updated', cell: (r) => formatDateTime(r.updated_at) },
];

export function RecipientsTable({ campaignId, status }: { campaignId: string; status: string }) {
  const recipients = usePaged<Recipient>(`recipients|${campaignId}`, (cursor) =>
    api.campaignRecipients(campaignId, { limit: RECIPIENTS_PAGE_SIZE, cursor }),
  );
  const reload = recipients.reload;
  // the rows change while sending: fetch again when the status moves
  useEffect(() => reload(), [status]);

  return (
    <PagedTable
      paged={recipients}
      title="Recipients"
      tools={
        <button type="button" class="btn btn--small" onClick={reload} disabled={recipients.loading} data-testid="campaign-recipients-refresh">
          Refresh
        </button>
      }
      testid="campaign-recipients"
      columns={COLUMNS}
      rowKey={(r) => r.email}
      rowTestid="campaign-recipient-row"
      empty="No recipients yet."
    />
  );
}
