/** The owner's segments: saved rules over a list or all lists. */
import { api, type Segment } from '../api';
import { linkColumn, rowActions, type Column } from '../components/DataTable';
import { DeleteSegmentDialog } from '../components/SegmentDialogs';
import { Page } from '../components/Page';
import { PagedTable } from '../components/PagedTable';
import { Time } from '../components/Time';
import { useAllLists } from '../hooks/useAllLists';
import { useDialog } from '../hooks/useDialog';
import { usePaged } from '../hooks/usePaged';
import { navigate } from '../router';

function segmentColumns(listName: (id: string | null) => string, onDelete: (s: Segment) => void): Column<Segment>[] {
  return [
    linkColumn('Segment', { href: (s) => `/segments/${encodeURIComponent(s.id)}`, name: (s) => s.name, testid: 'segment-link' }),
    { header: 'Reads', cell: (s) => listName(s.list_id) },
    { header: 'Conditions', num: true, cell: (s) => (s.rule.conditions ?? []).length },
    { header: 'Created', cell: (s) => <Time at={s.created_at} date /> },
    rowActions((s) => s.name, [{ text: 'Delete', onClick: onDelete, testid: 'segment-row-delete', danger: true }]),
  ];
}

export function SegmentsScreen() {
  const segments = usePaged<Segment>('segments', (cursor) => api.listSegments({ limit: 20, cursor }));
  const { lists } = useAllLists();
  const dialog = useDialog<'delete', Segment>();
  const deleting = dialog.about('delete');
  const listName = (id: string | null) => (id === null ? 'All lists' : (lists?.find((l) => l.id === id)?.name ?? '—'));
  return (
    <Page title="Segments">
      <PagedTable
        paged={segments}
        title="Your segments"
        testid="segments"
        columns={segmentColumns(listName, dialog.opener('delete'))}
        rowTestid="segment-row"
        empty="No segment yet: a segment picks subscribers by their attributes, status or subscription date."
        loadingText="Loading your segments…"
        tools={
          <button type="button" class="btn btn--small btn--primary" onClick={() => navigate('/segments/new')} data-testid="segments-create">
            New segment
          </button>
        }
      />
      {deleting && (
        <DeleteSegmentDialog
          segment={deleting}
          testid="segment-row-delete"
          onClose={dialog.close}
          onDeleted={dialog.done(segments.reload)}
        />
      )}
    </Page>
  );
}
