/** The campaign's recipients, a page at a time, with their delivery status and why a message failed. */
import { useEffect } from 'preact/hooks';
import { api, type Recipient, type RecipientFilter } from '../../api';
import { DeliveryStatusBadge } from '../../components/Badges';
import type { Column } from '../../components/DataTable';
import { PagedTable } from '../../components/PagedTable';
import { SelectField } from '../../components/SelectField';
import { formatDateTime } from '../../format';
import { usePaged } from '../../hooks/usePaged';

export const RECIPIENTS_PAGE_SIZE = 25;

const COLUMNS: Column<Recipient>[] = [
  { header: 'Email', class: 'cell--strong cell--wrap', testid: 'campaign-recipient-email', cell: (r) => r.email },
  { header: 'Status', cell: (r) => <DeliveryStatusBadge status={r.status} testid="campaign-recipient-status" /> },
  {
    header: 'Reason',
    class: 'cell--wrap',
    testid: 'campaign-recipient-reason',
    cell: (r) => r.reason ?? <span class="muted">—</span>,
  },
  { header: 'Updated', cell: (r) => formatDateTime(r.updated_at) },
];

/** The table's filter: everyone, one status, or who opened or clicked. */
export const RECIPIENT_FILTERS: readonly { value: RecipientFilter | ''; label: string }[] = [
  { value: '', label: 'Everyone' },
  { value: 'failed', label: 'Failed (never got it)' },
  { value: 'pending', label: 'Pending' },
  { value: 'sent', label: 'Sent' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'opened', label: 'Opened' },
  { value: 'clicked', label: 'Clicked' },
  { value: 'bounced', label: 'Bounced' },
  { value: 'complained', label: 'Complained' },
  { value: 'unsubscribed', label: 'Unsubscribed' },
];

export function RecipientsTable({
  campaignId,
  status,
  filter,
  onFilter,
}: {
  campaignId: string;
  status: string;
  filter: RecipientFilter | '';
  onFilter: (f: RecipientFilter | '') => void;
}) {
  // a filtered page reads a bounded number of recipients: it may be short, even empty, before the last
  const recipients = usePaged<Recipient>(`recipients|${campaignId}|${filter}`, (cursor) =>
    api.campaignRecipients(campaignId, { limit: RECIPIENTS_PAGE_SIZE, cursor }, filter || undefined),
  );
  const reload = recipients.reload;
  // the rows change while sending: fetch again when the status moves
  useEffect(() => reload(), [status]);

  return (
    <PagedTable
      paged={recipients}
      title="Recipients"
      tools={
        <>
          <SelectField
            id="campaign-recipients-filter"
            label="Show"
            value={filter}
            options={RECIPIENT_FILTERS}
            onValue={(v) => onFilter(v as RecipientFilter | '')}
            testid="campaign-recipients-filter"
          />
          <button type="button" class="btn btn--small" onClick={reload} disabled={recipients.loading} data-testid="campaign-recipients-refresh">
            Refresh
          </button>
        </>
      }
      testid="campaign-recipients"
      columns={COLUMNS}
      rowKey={(r) => r.email}
      rowTestid="campaign-recipient-row"
      empty={filter ? 'None on this page: the next may have some.' : 'No recipients yet.'}
    />
  );
}
