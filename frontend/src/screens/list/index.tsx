/** A list's page: its facts and export, add a subscriber, CSV import, the subscribers, how people
 * join it by themselves (settings and sign-up forms), and the recent imports. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type ContactList, type Subscriber } from '../../api';
import { DetailPage } from '../../components/DetailPage';
import { ExportButton } from '../../components/ExportButton';
import { Notice } from '../../components/FormError';
import { DeleteListDialog, RenameListDialog } from '../../components/ListDialogs';
import { formatCount, formatDate } from '../../format';
import { useDialog } from '../../hooks/useDialog';
import { navigate, useLocation } from '../../router';
import { ImportHistory } from './ImportHistory';
import { ImportPanel } from './ImportPanel';
import { FormsPanel } from './FormsPanel';
import { SignupSettings } from './SignupSettings';
import { SubscriberActivityDialog } from './SubscriberActivity';
import { AddSubscriberForm, EditSubscriberDialog, RemoveSubscriberDialog } from './SubscriberForms';
import { SubscribersTable, useSubscribers } from './SubscribersTable';

export function ListDetailScreen({ params }: { params: Record<string, string> }) {
  const listId = params.id ?? '';
  const { query } = useLocation();
  const [list, setList] = useState<ContactList | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const dialog = useDialog<'edit' | 'remove' | 'activity', Subscriber>();
  const editing = dialog.about('edit');
  const removing = dialog.about('remove');
  const watching = dialog.about('activity');
  const [importsTick, setImportsTick] = useState(0);
  const page = useSubscribers(listId);

  const loadList = useCallback(() => {
    api
      .getList(listId)
      .then((l) => {
        setList(l);
        setLoadError(null);
      })
      .catch((err: unknown) => setLoadError(err));
  }, [listId]);

  useEffect(() => loadList(), [loadList]);

  function changed() {
    page.paged.reload();
    loadList();
  }

  return (
    <DetailPage thing="list" name={list?.name ?? null} loadError={loadError}>
      {list && (
        <div class="stack">
          {query.get('created') === '1' && (
            <Notice testid="list-created">
              <p>The list is ready. Add subscribers one by one, or import a CSV file.</p>
            </Notice>
          )}
          <div class="card list-head">
            <dl class="facts">
              <dt>Subscribers</dt>
              <dd data-testid="list-subscriber-count">{formatCount(list.subscriber_count)}</dd>
              <dt>Description</dt>
              <dd data-testid="list-description">{list.description || <span class="muted">—</span>}</dd>
              <dt>Created</dt>
              <dd>{formatDate(list.created_at)}</dd>
            </dl>
            <div class="list-head__actions">
              <ExportButton kind="list" id={listId} testid="list-export" />
              <button type="button" class="btn btn--small" onClick={() => setRenaming(true)} data-testid="list-detail-rename">
                Rename
              </button>
              <button type="button" class="btn btn--small btn--danger-outline" onClick={() => setDeleting(true)} data-testid="list-detail-delete">
                Delete list
              </button>
            </div>
          </div>

          <div class="grid-2">
            <AddSubscriberForm listId={listId} onAdded={changed} />
            <ImportPanel
              listId={listId}
              onFinished={() => {
                changed();
                setImportsTick((t) => t + 1);
              }}
            />
          </div>


          <SubscribersTable page={page} onEdit={dialog.opener('edit')} onRemove={dialog.opener('remove')} onActivity={dialog.opener('activity')} />

          <SignupSettings list={list} onSaved={setList} />
          <FormsPanel listId={listId} />

          <ImportHistory listId={listId} refresh={importsTick} />
        </div>
      )}

      {list && renaming && (
        <RenameListDialog
          list={list}
          onClose={() => setRenaming(false)}
          onSaved={(l) => {
            setList(l);
            setRenaming(false);
          }}
        />
      )}
      {list && deleting && (
        <DeleteListDialog list={list} onClose={() => setDeleting(false)} onDeleted={() => navigate('/lists', { replace: true })} />
      )}
      {editing && (
        <EditSubscriberDialog
          listId={listId}
          subscriber={editing}
          onClose={dialog.close}
          onSaved={dialog.done(page.paged.reload)}
        />
      )}
      {watching && <SubscriberActivityDialog listId={listId} subscriber={watching} onClose={dialog.close} />}
      {removing && (
        <RemoveSubscriberDialog
          listId={listId}
          subscriber={removing}
          onClose={dialog.close}
          onRemoved={dialog.done(changed)}
        />
      )}
    </DetailPage>
  );
}
