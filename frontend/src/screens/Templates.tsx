/** Transactional mail: the owner's stored templates, and the messages sent through POST /api/tx with their status. */
import { api, type TemplateSummary, type TxMessage } from '../api';
import { DeliveryStatusBadge } from '../components/Badges';
import { actionsColumn, RowButton, type Column } from '../components/DataTable';
import { Page } from '../components/Page';
import { PagedTable } from '../components/PagedTable';
import { DeleteTemplateDialog } from '../components/TemplateDialogs';
import { Time } from '../components/Time';
import { useDialog } from '../hooks/useDialog';
import { usePaged } from '../hooks/usePaged';
import { Link, navigate } from '../router';

function templateColumns(onDelete: (t: TemplateSummary) => void): Column<TemplateSummary>[] {
  return [
    {
      header: 'Template',
      class: 'cell--wrap',
      cell: (t) => (
        <Link href={`/templates/${encodeURIComponent(t.id)}`} class="cell--strong" data-testid="template-link">
          {t.name}
        </Link>
      ),
    },
    { header: 'Id', cell: (t) => <code data-testid="template-id">{t.id}</code> },
    { header: 'Subject', class: 'cell--wrap', cell: (t) => t.subject },
    { header: 'Updated', cell: (t) => <Time at={t.updated_at} date /> },
    actionsColumn((t) => (
      <RowButton onClick={() => onDelete(t)} label={`Delete ${t.name}`} testid="template-row-delete" danger>
        Delete
      </RowButton>
    )),
  ];
}

const MESSAGE_COLUMNS: Column<TxMessage>[] = [
  { header: 'To', class: 'cell--strong cell--wrap', testid: 'tx-message-to', cell: (m) => m.to },
  { header: 'Subject', class: 'cell--wrap', cell: (m) => m.subject },
  { header: 'Status', cell: (m) => <DeliveryStatusBadge status={m.status} testid="tx-message-status" /> },
  { header: 'Note', class: 'cell--wrap', cell: (m) => m.reason ?? <span class="muted">—</span> },
  { header: 'Sent', cell: (m) => <Time at={m.created_at} /> },
];

export function TemplatesScreen() {
  const templates = usePaged<TemplateSummary>('templates', (cursor) => api.listTemplates({ limit: 20, cursor }));
  const messages = usePaged<TxMessage>('tx-messages', (cursor) => api.listTxMessages({ limit: 20, cursor }));
  const dialog = useDialog<'delete', TemplateSummary>();
  const deleting = dialog.about('delete');
  return (
    <Page title="Transactional mail">
      <div class="stack">
        <PagedTable
          paged={templates}
          title="Templates"
          testid="templates"
          columns={templateColumns(dialog.opener('delete'))}
          rowTestid="template-row"
          empty="No template yet: a template is the subject and bodies of one kind of message (a receipt, a password reset), sent with POST /api/tx."
          loadingText="Loading your templates…"
          tools={
            <button type="button" class="btn btn--small btn--primary" onClick={() => navigate('/templates/new')} data-testid="templates-create">
              New template
            </button>
          }
        />
        <PagedTable
          paged={messages}
          title="Recent messages"
          testid="tx-messages"
          columns={MESSAGE_COLUMNS}
          rowTestid="tx-message-row"
          empty="No message sent through the API in the last 30 days."
          loadingText="Loading your messages…"
          tools={
            <button type="button" class="btn btn--small" onClick={messages.reload} disabled={messages.loading} data-testid="tx-messages-refresh">
              Refresh
            </button>
          }
        />
      </div>
      {deleting && (
        <DeleteTemplateDialog
          template={deleting}
          testid="template-row-delete"
          onClose={dialog.close}
          onDeleted={dialog.done(templates.reload)}
        />
      )}
    </Page>
  );
}
