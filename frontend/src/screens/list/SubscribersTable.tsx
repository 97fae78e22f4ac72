/** The list's subscribers, a page at a time, with an email-prefix search. */
import { useState } from 'preact/hooks';
import { api, type Subscriber } from '../../api';
import { StatusBadge } from '../../components/Badges';
import { actionsColumn, RowButton, type Column } from '../../components/DataTable';
import { PagedTable } from '../../components/PagedTable';
import { SearchBox } from '../../components/SearchBox';
import { useDebounced } from '../../hooks/useDebounced';
import { usePaged, type Paged } from '../../hooks/usePaged';
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
    actionsColumn((s) => (
      <>
        <RowButton onClick={() => onActivity(s)} label={`Activity of ${s.email}`} testid="subscriber-activity">
          Activity
        </RowButton>
        <RowButton onClick={() => onEdit(s)} label={`Edit ${s.email}`} testid="subscriber-edit">
          Edit
        </RowButton>
        <RowButton onClick={() => onRemove(s)} label={`Remove ${s.email}`} testid="subscriber-remove" danger>
          Remove
        </RowButton>
      </>
    )),
  ];
}

/** The page of subscribers for the search being typed (a new search starts at page 1). */
export function useSubscribers(listId: string): { subs: Paged<Subscriber>; search: string; setSearch: (s: string) => void; prefix: string } {
  const [search, setSearch] = useState('');
  const prefix = useDebounced(search.trim().toLowerCase(), 300);
  const subs = usePaged<Subscriber>(`${listId}|${prefix}`, (cursor) =>
    api.listSubscribers(listId, { email_prefix: prefix, limit: SUBSCRIBERS_PAGE_SIZE, cursor }),
  );
  return { subs, search, setSearch, prefix };
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
  const { subs, search, setSearch, prefix } = page;
  return (
    <PagedTable
      paged={subs}
      title="Subscribers"
      tools={<SearchBox id="subscriber-search" value={search} onValue={setSearch} />}
      testid="subscribers"
      loadingText="Loading subscribers…"
      columns={subscriberColumns(onEdit, onRemove, onActivity)}
      rowKey={(s) => s.email}
      rowTestid="subscriber-row"
      empty={prefix ? `No subscriber’s email starts with “${prefix}”.` : 'No subscribers yet.'}
    />
  );
}
