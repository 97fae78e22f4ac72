/** The list's subscribers, a page at a time, with an email-prefix search. */
import { api, type Subscriber } from '../../api';
import { StatusBadge } from '../../components/Badges';
import { rowActions, type Column } from '../../components/DataTable';
import { SearchTable } from '../../components/PagedTable';
import { useSearchPaged, type SearchPaged } from '../../hooks/usePaged';
import { Time } from '../../components/Time';

export const SUBSCRIBERS_PAGE_SIZE = 25;

type OnRow = (s: Subscriber) => void;

function subscriberColumns(onEdit: OnRow, onRemove: OnRow, onActivity: OnRow): Column<Subscriber>[] {
  return [
    { header: 'Email', class: 'cell--strong cell--wrap', testid: 'subscriber-email', cell: (s) => s.email },
    { header: 'Name', class: 'cell--wrap', cell: (s) => s.name || <span class="muted">—</span> },
    { header: 'Status', cell: (s) => <StatusBadge status={s.status} testid="subscriber-status" /> },
    { header: 'Source', cell: (s) => (s.source === 'import' ? 'Import' : 'Added') },
    { header: 'Added', cell: (s) => <Time at={s.created_at} date /> },
    rowActions((s) => s.email, [
      { text: 'Activity', onClick: onActivity, testid: 'subscriber-activity', label: (s) => `Activity of ${s.email}` },
      { text: 'Edit', onClick: onEdit, testid: 'subscriber-edit' },
      { text: 'Remove', onClick: onRemove, testid: 'subscriber-remove', danger: true },
    ]),
  ];
}

/** The page of subscribers for the search being typed (a new search starts at page 1). */
export function useSubscribers(listId: string): SearchPaged<Subscriber> {
  return useSearchPaged<Subscriber>(listId, (prefix, cursor) => api.listSubscribers(listId, { email_prefix: prefix, limit: SUBSCRIBERS_PAGE_SIZE, cursor }));
}

export function SubscribersTable({
  page,
  onEdit,
  onRemove,
  onActivity,
}: {
  page: ReturnType<typeof useSubscribers>;
  onEdit: OnRow;
  onRemove: OnRow;
  onActivity: OnRow;
}) {
  return (
    <SearchTable
      search={page}
      searchId="subscriber-search"
      title="Subscribers"
      testid="subscribers"
      loadingText="Loading subscribers…"
      columns={subscriberColumns(onEdit, onRemove, onActivity)}
      rowKey={(s) => s.email}
      rowTestid="subscriber-row"
      empty={(prefix) => (prefix ? `No subscriber’s email starts with “${prefix}”.` : 'No subscribers yet.')}
    />
  );
}
