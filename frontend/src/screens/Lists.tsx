import { api, type ContactList } from '../api';
import { linkColumn, rowActions, type Column } from '../components/DataTable';
import { FormCard } from '../components/FormCard';
import { DeleteListDialog, listBody, listChecks, ListFields, RenameListDialog, type ListValues } from '../components/ListDialogs';
import { Page } from '../components/Page';
import { PagedTable } from '../components/PagedTable';
import { formatCount } from '../format';
import { useDialog } from '../hooks/useDialog';
import { usePaged } from '../hooks/usePaged';
import { useForm } from '../hooks/useForm';
import { href, navigate } from '../router';
import { Time } from '../components/Time';

export const LISTS_PAGE_SIZE = 20;

function listColumns(onRename: (l: ContactList) => void, onDelete: (l: ContactList) => void): Column<ContactList>[] {
  return [
    linkColumn('Name', { href: (l) => `/lists/${encodeURIComponent(l.id)}`, name: (l) => l.name, testid: 'list-link', note: (l) => l.description }),
    { header: 'Subscribers', num: true, testid: 'list-count', cell: (l) => formatCount(l.subscriber_count) },
    { header: 'Created', cell: (l) => <Time at={l.created_at} date /> },
    rowActions((l) => l.name, [
      { text: 'Rename', onClick: onRename, testid: 'list-rename' },
      { text: 'Delete', onClick: onDelete, testid: 'list-delete', danger: true },
    ]),
  ];
}

export function ListsScreen() {
  const lists = usePaged<ContactList>('lists', (cursor) => api.listLists({ limit: LISTS_PAGE_SIZE, cursor }));
  const dialog = useDialog<'rename' | 'delete', ContactList>();
  const renaming = dialog.about('rename');
  const deleting = dialog.about('delete');
  const changed = dialog.done(lists.reload);

  return (
    <Page title="Lists">
      <div class="stack">
        <CreateListForm />
        <PagedTable
          paged={lists}
          title="Your lists"
          label="Lists"
          tools={
            lists.loading &&
            lists.loaded && (
              <span class="muted" role="status">
                Loading…
              </span>
            )
          }
          testid="lists"
          loadingText="Loading your lists…"
          columns={listColumns(dialog.opener('rename'), dialog.opener('delete'))}
          rowTestid="list-row"
          empty="No lists yet. Create one above, then add subscribers or import a CSV file."
        />
      </div>
      {renaming && <RenameListDialog list={renaming} onClose={dialog.close} onSaved={changed} />}
      {deleting && <DeleteListDialog list={deleting} onClose={dialog.close} onDeleted={changed} />}
    </Page>
  );
}

function CreateListForm() {
  const f = useForm<ListValues>('lists-create', { name: '', description: '' });
  const onSubmit = f.handler({
    validate: () => listChecks(f.values),
    send: async () => {
      const created = await api.createList(listBody(f.values));
      navigate(href(`/lists/${encodeURIComponent(created.id)}`, { created: '1' }));
    },
  });

  return (
    <FormCard form={f} onSubmit={onSubmit} title="New list" submit="Create list" busy="Creating…">
      <div class="form__row">
        <ListFields form={f} withHint />
      </div>
    </FormCard>
  );
}
