import { api, type Suppression, type SuppressionReason } from '../api';
import { Badge } from '../components/Badges';
import { rowActions, type Column } from '../components/DataTable';
import { ConfirmAction } from '../components/Dialog';
import { Field } from '../components/Field';
import { FormCard } from '../components/FormCard';
import { Page } from '../components/Page';
import { SearchTable } from '../components/PagedTable';
import { SelectField } from '../components/SelectField';
import { useDialog } from '../hooks/useDialog';
import { useSearchPaged } from '../hooks/usePaged';
import { useForm } from '../hooks/useForm';
import { Link } from '../router';
import { validateContactEmail } from '../validation';
import { Time } from '../components/Time';

export const SUPPRESSION_PAGE_SIZE = 25;

const REASONS: Record<SuppressionReason, { label: string; tone: string }> = {
  manual: { label: 'Added by you', tone: 'muted' },
  unsubscribed: { label: 'Unsubscribed', tone: 'muted' },
  bounced: { label: 'Bounced', tone: 'danger' },
  complained: { label: 'Complained', tone: 'warn' },
};

const REASON_OPTIONS = (Object.keys(REASONS) as SuppressionReason[]).map((r) => ({ value: r, label: REASONS[r].label }));

/** "list:<id>" → a link to the list; "api" → words. */
function SourceCell({ source }: { source: string }) {
  if (source.startsWith('list:')) {
    const id = source.slice(5);
    return <Link href={`/lists/${encodeURIComponent(id)}`}>A list</Link>;
  }
  if (source === 'api') return <>Added here</>;
  return <>{source}</>;
}

function suppressionColumns(onLift: (s: Suppression) => void): Column<Suppression>[] {
  return [
    { header: 'Email', class: 'cell--strong cell--wrap', testid: 'suppression-email', cell: (s) => s.email },
    {
      header: 'Reason',
      cell: (s) => {
        const r = REASONS[s.reason] ?? { label: s.reason, tone: 'muted' };
        return (
          <Badge tone={r.tone} testid="suppression-reason">
            {r.label}
          </Badge>
        );
      },
    },
    { header: 'Source', cell: (s) => <SourceCell source={s.source} /> },
    { header: 'Since', cell: (s) => <Time at={s.created_at} date /> },
    rowActions((s) => s.email, [
      { text: 'Remove', onClick: onLift, testid: 'suppression-remove', danger: true, label: (s) => `Remove ${s.email} from the suppression list` },
    ]),
  ];
}

export function SuppressionScreen() {
  const search = useSearchPaged<Suppression>('supp', (emailPrefix, cursor) =>
    api.listSuppressions({ email_prefix: emailPrefix, limit: SUPPRESSION_PAGE_SIZE, cursor }),
  );
  const dialog = useDialog<'lift', Suppression>();
  const lifting = dialog.about('lift');

  return (
    <Page title="Suppression list">
      <div class="stack">
        <p class="muted">
          No campaign sends to these addresses, whatever list they are on. Addresses land here when you add them, or when a
          subscriber unsubscribes, bounces or complains.
        </p>
        <AddSuppressionForm onAdded={search.paged.reload} />
        <SearchTable
          search={search}
          searchId="suppression-search"
          title="Suppressed addresses"
          testid="suppression"
          loadingText="Loading…"
          columns={suppressionColumns(dialog.opener('lift'))}
          rowKey={(s) => s.email}
          rowTestid="suppression-row"
          empty={(prefix) => (prefix ? `No suppressed address starts with “${prefix}”.` : 'No suppressed addresses.')}
        />
      </div>
      {lifting && (
        <ConfirmAction
          title="Allow sending to this address again?"
          confirmLabel="Remove from suppression"
          busyLabel="Removing…"
          action={() => api.liftSuppression(lifting.email)}
          doneCode="suppression_not_found"
          onDone={dialog.done(search.paged.reload)}
          onCancel={dialog.close}
          testid="suppression-remove"
        >
          <p>
            Campaigns will be able to send to <strong>{lifting.email}</strong> again. Only do this if the person asked for it, or
            the address works again.
          </p>
        </ConfirmAction>
      )}
    </Page>
  );
}

function AddSuppressionForm({ onAdded }: { onAdded: () => void }) {
  const f = useForm<{ email: string; reason: string }, string>('suppression-add', { email: '', reason: 'manual' });
  const onSubmit = f.handler({
    validate: () => ({ email: validateContactEmail(f.values.email) }),
    send: async () => {
      const s = await api.suppress({ email: f.values.email.trim(), reason: f.values.reason as SuppressionReason });
      f.set('email', '');
      onAdded();
      return s.email;
    },
  });

  return (
    <FormCard
      form={f}
      onSubmit={onSubmit}
      title="Suppress an address"
      submit="Suppress"
      busy="Adding…"
      done={f.result ? `${f.result} is suppressed.` : ''}
      doneTestid="suppression-added"
    >
      <div class="form__row">
        <Field {...f.field('email')} label="Email" type="email" autoComplete="off" required />
        <SelectField {...f.field('reason')} label="Reason" options={REASON_OPTIONS} />
      </div>
    </FormCard>
  );
}
