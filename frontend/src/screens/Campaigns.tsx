import { api, type CampaignSummary, type ContactList } from '../api';
import { CampaignStatusBadge } from '../components/Badges';
import { linkColumn, rowActions, type Column } from '../components/DataTable';
import { DeleteAction } from '../components/Dialog';
import { Field } from '../components/Field';
import { FormCard } from '../components/FormCard';
import { ListPicker } from '../components/ListPicker';
import { Page } from '../components/Page';
import { PagedTable } from '../components/PagedTable';
import { formatCount } from '../format';
import { useAllLists } from '../hooks/useAllLists';
import { useDialog } from '../hooks/useDialog';
import { usePaged } from '../hooks/usePaged';
import { useForm } from '../hooks/useForm';
import { navigate } from '../router';
import { validateContactEmail } from '../validation';
import { Time } from '../components/Time';

export const CAMPAIGNS_PAGE_SIZE = 20;

function campaignColumns(listName: (id: string) => string, onDelete: (c: CampaignSummary) => void): Column<CampaignSummary>[] {
  return [
    linkColumn('Name', { href: (c) => `/campaigns/${encodeURIComponent(c.id)}`, name: (c) => c.name, testid: 'campaign-link', note: (c) => c.subject }),
    {
      header: 'Status',
      cell: (c) => (
        <>
          <CampaignStatusBadge status={c.status} testid="campaign-row-status" />
          {c.status === 'scheduled' && c.scheduled_at && <div class="muted small">for {new Date(c.scheduled_at).toLocaleString()}</div>}
          {c.status === 'sent' && c.sent_at && (
            <div class="muted small" data-testid="campaign-row-sent-at">
              on {new Date(c.sent_at).toLocaleString()}
            </div>
          )}
        </>
      ),
    },
    { header: 'List', class: 'cell--wrap', cell: (c) => listName(c.list_id) },
    {
      header: 'Recipients',
      num: true,
      cell: (c) => (c.status === 'draft' || c.status === 'scheduled' ? '—' : formatCount(c.stats.recipients)),
    },
    { header: 'Created', cell: (c) => <Time at={c.created_at} date /> },
    rowActions((c) => c.name, [{ text: 'Delete', onClick: onDelete, testid: 'campaign-delete', danger: true, shown: (c) => c.status === 'draft' }]),
  ];
}

export function CampaignsScreen() {
  const campaigns = usePaged<CampaignSummary>('campaigns', (cursor) => api.listCampaigns({ limit: CAMPAIGNS_PAGE_SIZE, cursor }));
  const { lists, error: listsError } = useAllLists();
  const dialog = useDialog<'delete', CampaignSummary>();
  const deleting = dialog.about('delete');
  const listName = (id: string) => lists?.find((l) => l.id === id)?.name ?? '—';

  return (
    <Page title="Campaigns">
      <div class="stack">
        <CreateCampaignForm lists={lists} listsError={listsError} />
        <PagedTable
          paged={campaigns}
          title="Your campaigns"
          label="Campaigns"
          testid="campaigns"
          loadingText="Loading your campaigns…"
          columns={campaignColumns(listName, dialog.opener('delete'))}
          rowTestid="campaign-row"
          empty="No campaigns yet. Create one above."
        />
      </div>
      {deleting && (
        <DeleteAction
          thing="campaign"
          confirmLabel="Delete campaign"
          action={() => api.deleteCampaign(deleting.id)}
          onDone={dialog.done(campaigns.reload)}
          onCancel={dialog.close}
          testid="campaign-delete"
          messages={{ campaign_not_deletable: 'This campaign is scheduled or sending: it cannot be deleted now.' }}
        >
          <p>
            The draft <strong>{deleting.name}</strong> will be deleted. This cannot be undone.
          </p>
        </DeleteAction>
      )}
    </Page>
  );
}

function CreateCampaignForm({ lists, listsError }: { lists: ContactList[] | null; listsError: unknown }) {
  const f = useForm('campaigns-create', { name: '', subject: '', from_name: '', reply_to: '', list_id: '' });
  const { name, subject, from_name: fromName, reply_to: replyTo } = f.values;
  const chosen = f.values.list_id || lists?.[0]?.id || '';

  const onSubmit = f.handler({
    validate: () => ({
      name: !name.trim() ? 'Enter a name for the campaign.' : name.trim().length > 200 ? 'Use at most 200 characters.' : null,
      subject: !subject.trim() ? 'Enter a subject line.' : subject.length > 998 ? 'The subject is too long.' : null,
      from_name: fromName.length > 200 ? 'Use at most 200 characters.' : null,
      reply_to: replyTo.trim() ? validateContactEmail(replyTo) : null,
      list_id: chosen ? null : 'Create a list first: a campaign is sent to one list.',
    }),
    send: async () => {
      const created = await api.createCampaign({
        name: name.trim(),
        subject: subject.trim(),
        list_id: chosen,
        ...(fromName.trim() ? { from_name: fromName.trim() } : {}),
        ...(replyTo.trim() ? { reply_to: replyTo.trim() } : {}),
      });
      navigate(`/campaigns/${encodeURIComponent(created.id)}`);
    },
  });

  return (
    <FormCard
      form={f}
      onSubmit={onSubmit}
      title="New campaign"
      error={listsError}
      messages={{ list_not_found: 'That list no longer exists.' }}
      submit="Create campaign"
      busy="Creating…"
      disabled={!lists}
    >
      <div class="form__row">
        <Field {...f.field('name')} label="Name" type="text" required autoComplete="off" hint="Only you see it." />
        <Field {...f.field('subject')} label="Subject" type="text" required autoComplete="off" />
      </div>
      <div class="form__row">
        <Field {...f.field('from_name', 'from')} label="From name (optional)" type="text" autoComplete="off" />
        <Field {...f.field('reply_to', 'reply-to')} label="Reply-to address (optional)" type="email" autoComplete="off" />
      </div>
      <ListPicker {...f.field('list_id', 'list')} value={chosen} label="Send to list" lists={lists} />
    </FormCard>
  );
}
