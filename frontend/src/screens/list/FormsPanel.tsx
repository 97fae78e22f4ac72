/** The sign-up forms of a list: their hosted pages, the HTML to embed elsewhere, the builder. */
import { useEffect, useState } from 'preact/hooks';
import { api, type FormEmbed, type SignupForm } from '../../api';
import { rowActions, type Column } from '../../components/DataTable';
import { DeleteAction, Dialog } from '../../components/Dialog';
import { CopyField } from '../../components/CopyButton';
import { FormError } from '../../components/FormError';
import { PagedTable } from '../../components/PagedTable';
import { useAllLists } from '../../hooks/useAllLists';
import { useDialog } from '../../hooks/useDialog';
import { usePaged } from '../../hooks/usePaged';
import { FormBuilder } from './FormBuilder';

function formColumns(onEmbed: (f: SignupForm) => void, onEdit: (f: SignupForm) => void, onDelete: (f: SignupForm) => void): Column<SignupForm>[] {
  return [
    { header: 'Form', class: 'cell--strong cell--wrap', testid: 'form-row-name', cell: (f) => f.name },
    { header: 'Lists', num: true, cell: (f) => f.list_ids.length },
    {
      header: 'Page',
      cell: (f) => (
        <a href={f.hosted_path} target="_blank" rel="noopener" data-testid="form-open">
          Open the page
        </a>
      ),
    },
    rowActions((f) => f.name, [
      { text: 'Embed', onClick: onEmbed, testid: 'form-embed' },
      { text: 'Edit', onClick: onEdit, testid: 'form-edit' },
      { text: 'Delete', onClick: onDelete, testid: 'form-delete', danger: true },
    ]),
  ];
}

/** The hosted page's address and the snippet to copy. */
function EmbedDialog({ form, onClose }: { form: SignupForm; onClose: () => void }) {
  const [embed, setEmbed] = useState<FormEmbed | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.formEmbed(form.id, window.location.origin).then(setEmbed, setError);
  }, [form.id]);
  return (
    <Dialog title={`Embed “${form.name}”`} onClose={onClose} testid="form-embed-dialog">
      <div class="form">
        <FormError error={error} testid="form-embed-error" />
        {embed && (
          <>
            <p>
              Its page:{' '}
              <a href={embed.hosted_url} target="_blank" rel="noopener" class="wrap-anywhere" data-testid="form-embed-url">
                {embed.hosted_url}
              </a>
            </p>
            <CopyField
              id="form-embed-snippet"
              label="HTML to paste into your site (a plain form: no script needed)"
              value={embed.snippet}
              multiline
              copyLabel="Copy the HTML"
              copyTestid="form-embed-copy"
            />
          </>
        )}
      </div>
    </Dialog>
  );
}

export function FormsPanel({ listId }: { listId: string }) {
  const forms = usePaged<SignupForm>(`forms:${listId}`, (cursor) => api.listForms(listId, { limit: 20, cursor }));
  const { lists } = useAllLists();
  const dialog = useDialog<'embed' | 'edit' | 'delete', SignupForm>();
  const [creating, setCreating] = useState(false);
  const editing = dialog.about('edit');
  const embedding = dialog.about('embed');
  const deleting = dialog.about('delete');
  const saved = dialog.done(() => {
    setCreating(false);
    forms.reload();
  });
  return (
    <>
      <PagedTable
        paged={forms}
        title="Sign-up forms"
        testid="forms"
        columns={formColumns(dialog.opener('embed'), dialog.opener('edit'), dialog.opener('delete'))}
        rowTestid="form-row"
        empty="No form yet: create one and put it on your site."
        loadingText="Loading the forms…"
        tools={
          <button type="button" class="btn btn--small btn--primary" onClick={() => setCreating(true)} data-testid="forms-create">
            New form
          </button>
        }
      />
      {creating && <FormBuilder listId={listId} lists={lists} onClose={() => setCreating(false)} onSaved={saved} />}
      {editing && <FormBuilder listId={listId} lists={lists} form={editing} onClose={dialog.close} onSaved={saved} />}
      {embedding && <EmbedDialog form={embedding} onClose={dialog.close} />}
      {deleting && (
        <DeleteAction thing="form" action={() => api.deleteForm(deleting.id)} onDone={saved} onCancel={dialog.close} testid="form-delete">
          <p>
            <strong>{deleting.name}</strong>: its page and every copy embedded elsewhere stop accepting sign-ups. Subscribers stay.
          </p>
        </DeleteAction>
      )}
    </>
  );
}
