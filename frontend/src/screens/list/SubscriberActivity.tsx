/** A subscriber's activity across campaigns: each campaign mailed to the address (from any of your
 * lists), the latest first, with what happened to it: sent, delivered, opened, clicked, bounced,
 * complained, unsubscribed. */
import { api, type ActivityEvent, type CampaignActivity, type Subscriber } from '../../api';
import type { Column } from '../../components/DataTable';
import { Dialog } from '../../components/Dialog';
import { PagedTable } from '../../components/PagedTable';
import { Time } from '../../components/Time';
import { usePaged } from '../../hooks/usePaged';
import { Link } from '../../router';

const ACTIVITY_PAGE_SIZE = 10;

const KIND_LABEL: Record<ActivityEvent['kind'], string> = {
  sent: 'Sent',
  delivered: 'Delivered',
  opened: 'Opened',
  clicked: 'Clicked',
  bounced: 'Bounced',
  complained: 'Complained',
  unsubscribed: 'Unsubscribed',
};

const COLUMNS: Column<CampaignActivity>[] = [
  {
    header: 'Campaign',
    class: 'cell--strong cell--wrap',
    testid: 'activity-campaign',
    cell: (a) => <Link href={`/campaigns/${encodeURIComponent(a.campaign_id)}`}>{a.campaign_name ?? '(deleted campaign)'}</Link>,
  },
  {
    header: 'What happened',
    class: 'cell--wrap',
    testid: 'activity-events',
    cell: (a) => (
      <ol class="plain-list">
        {a.events.map((e) => (
          <li key={`${e.kind}|${e.at}`} data-kind={e.kind}>
            {KIND_LABEL[e.kind]} <Time at={e.at} class="muted small" />
            {e.detail && <span class="muted small cell--wrap"> · {e.detail}</span>}
          </li>
        ))}
      </ol>
    ),
  },
  { header: 'Opens', num: true, cell: (a) => `${a.open_count}${a.machine_open_count ? ` (+${a.machine_open_count} machine)` : ''}` },
  { header: 'Clicks', num: true, cell: (a) => a.click_count },
];

export function SubscriberActivityDialog({ listId, subscriber, onClose }: { listId: string; subscriber: Subscriber; onClose: () => void }) {
  const activity = usePaged<CampaignActivity>(`activity|${listId}|${subscriber.email}`, (cursor) =>
    api.subscriberActivity(listId, subscriber.email, { limit: ACTIVITY_PAGE_SIZE, cursor }),
  );
  return (
    <Dialog title={`Activity of ${subscriber.email}`} onClose={onClose} testid="subscriber-activity-dialog">
      <PagedTable
        paged={activity}
        title="Campaigns"
        testid="subscriber-activity"
        loadingText="Loading activity…"
        columns={COLUMNS}
        rowKey={(a) => a.campaign_id}
        rowTestid="subscriber-activity-row"
        empty="No campaign has been sent to this address yet."
      />
    </Dialog>
  );
}
