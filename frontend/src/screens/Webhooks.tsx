import { useEffect, useState } from 'preact/hooks';
import { api, type WebhookDelivery, type WebhookEndpoint, type WebhookEndpointWithSecret, type WebhookEventType } from '../api';
import { Badge } from '../components/Badges';
import { CheckboxField } from '../components/CheckboxField';
import { actionsColumn, DataTable, RowButton, type Column } from '../components/DataTable';
import { DeleteAction, Dialog } from '../components/Dialog';
import { Field } from '../components/Field';
import { FormCard } from '../components/FormCard';
import { FormError } from '../components/FormError';
import { Page } from '../components/Page';
import { PagedTable } from '../components/PagedTable';
import { Time } from '../components/Time';
import { useDialog } from '../hooks/useDialog';
import { useForm } from '../hooks/useForm';
import { usePaged } from '../hooks/usePaged';
import { useSubmit } from '../hooks/useSubmit';

const EVENT_TYPES: { type: WebhookEventType; label: string }[] = [
  { type: 'subscriber.created', label: 'Subscriber created' },
  { type: 'subscriber.confirmed', label: 'Subscriber confirmed' },
  { type: 'subscriber.unsubscribed', label: 'Subscriber unsubscribed' },
  { type: 'campaign.started', label: 'Campaign started' },
  { type: 'campaign.sent', label: 'Campaign sent' },
  { type: 'campaign.failed', label: 'Campaign failed' },
  { type: 'message.delivered', label: 'Message delivered' },
  { type: 'message.bounced', label: 'Message bounced' },
  { type: 'message.complained', label: 'Message complained' },
  { type: 'message.opened', label: 'Message opened' },
  { type: 'message.clicked', label: 'Message clicked' },
];

const DELIVERY_TONES: Record<WebhookDelivery['status'], string> = {
  pending: 'info',
  retrying: 'warn',
  delivered: 'ok',
  failed: 'danger',
};

function endpointColumns(open: (kind: 'deliveries' | 'delete') => (e: WebhookEndpoint) => void, test: (e: WebhookEndpoint) => void): Column<WebhookEndpoint>[] {
  return [
    { header: 'URL', class: 'cell--strong cell--wrap cell--mono', testid: 'webhook-url', cell: (e) => e.url },
    { header: 'Events', class: 'cell--wrap', cell: (e) => e.event_types.join(', ') },
    { header: 'Since', cell: (e) => <Time at={e.created_at} date /> },
    actionsColumn((e) => (
      <>
        <RowButton onClick={() => open('deliveries')(e)} label={`Deliveries to ${e.url}`} testid="webhook-deliveries">
          Deliveries
        </RowButton>
        <RowButton onClick={() => test(e)} label={`Send a test event to ${e.url}`} testid="webhook-test">
          Send test
        </RowButton>
        <RowButton onClick={() => open('delete')(e)} label={`Delete ${e.url}`} testid="webhook-delete" danger>
          Delete
        </RowButton>
      </>
    )),
  ];
}

export function WebhooksScreen() {
  const page = usePaged<WebhookEndpoint>('webhooks', () => api.listWebhooks());
  const dialog = useDialog<'deliveries' | 'delete', WebhookEndpoint>();
  const deliveries = dialog.about('deliveries');
  const deleting = dialog.about('delete');
  const [created, setCreated] = useState<WebhookEndpointWithSecret | null>(null);
  const tester = useSubmit<never, string>();
  const test = (e: WebhookEndpoint) => tester.handler({ send: async () => (await api.sendWebhookTest(e.id)).delivery_id })();

  return (
    <Page title="Webhooks">
      <div class="stack">
        <p class="muted">
          Herald POSTs the events you choose to your HTTPS endpoints, signed with the endpoint's secret (header
          <code> Herald-Signature</code>), and retries a failed delivery for about a day.
        </p>
        <CreateWebhookForm
          onCreated={(e) => {
            page.reload();
            setCreated(e);
          }}
        />
        <FormError error={tester.error} testid="webhook-test-error" />
        <span class="saved" role="status" data-testid="webhook-test-sent">
          {tester.result ? 'Test event queued: see its deliveries.' : ''}
        </span>
        <PagedTable
          paged={page}
          title="Endpoints"
          testid="webhooks"
          loadingText="Loading…"
          columns={endpointColumns(dialog.opener, test)}
          rowTestid="webhook-row"
          empty="No endpoints yet."
        />
      </div>
      {created && (
        <Dialog title="Your signing secret" onClose={() => setCreated(null)} testid="webhook-secret">
          <p>Copy it now: it is not shown again. Verify each delivery's signature with it.</p>
          <p>
            <code data-testid="webhook-secret-value">{created.secret}</code>
          </p>
        </Dialog>
      )}
      {deliveries && <DeliveriesDialog endpoint={deliveries} onClose={dialog.close} />}
      {deleting && (
        <DeleteAction
          thing="endpoint"
          apiName="webhook"
          action={() => api.deleteWebhook(deleting.id)}
          onDone={dialog.done(page.reload)}
          onCancel={dialog.close}
          testid="webhook-delete"
        >
          <p>
            Nothing more is sent to <strong>{deleting.url}</strong>, deliveries still waiting to retry included.
          </p>
        </DeleteAction>
      )}
    </Page>
  );
}

function CreateWebhookForm({ onCreated }: { onCreated: (e: WebhookEndpointWithSecret) => void }) {
  const f = useForm<{ url: string; description: string }, WebhookEndpointWithSecret, 'event_types'>('webhook-add', {
    url: '',
    description: '',
  });
  const [types, setTypes] = useState<WebhookEventType[]>(['subscriber.created']);
  const toggle = (t: WebhookEventType, on: boolean) => setTypes((now) => (on ? [...now, t] : now.filter((x) => x !== t)));
  const onSubmit = f.handler({
    validate: () => ({
      url: /^https?:\/\/\S+$/.test(f.values.url.trim()) ? null : 'Enter the endpoint’s https:// URL.',
      event_types: types.length ? null : 'Choose at least one event.',
    }),
    send: async () => {
      const created = await api.createWebhook({ url: f.values.url.trim(), description: f.values.description, event_types: types });
      f.reset();
      onCreated(created);
      return created;
    },
  });

  return (
    <FormCard form={f} onSubmit={onSubmit} title="Add an endpoint" submit="Add endpoint" busy="Adding…">
      <div class="form__row">
        <Field {...f.field('url')} label="URL" type="url" autoComplete="off" required />
        <Field {...f.field('description')} label="Description" autoComplete="off" />
      </div>
      <fieldset class="field" aria-describedby={f.errors.event_types ? 'webhook-add-types-error' : undefined}>
        <legend>Events</legend>
        {EVENT_TYPES.map(({ type, label }) => (
          <CheckboxField key={type} id={`webhook-add-${type}`} checked={types.includes(type)} onChecked={(on) => toggle(type, on)}>
            {label}
          </CheckboxField>
        ))}
        {f.errors.event_types && (
          <div class="field__error" id="webhook-add-types-error" data-testid="webhook-add-types-error">
            {f.errors.event_types}
          </div>
        )}
      </fieldset>
    </FormCard>
  );
}

const DELIVERY_COLUMNS: Column<WebhookDelivery>[] = [
  { header: 'Event', cell: (d) => d.event_type },
  {
    header: 'Status',
    cell: (d) => (
      <Badge tone={DELIVERY_TONES[d.status]} testid="delivery-status" status={d.status}>
        {d.status}
      </Badge>
    ),
  },
  { header: 'Code', num: true, testid: 'delivery-code', cell: (d) => d.status_code ?? '—' },
  { header: 'Attempts', num: true, cell: (d) => d.attempts },
  { header: 'Last error', class: 'cell--wrap', cell: (d) => d.last_error || '—' },
  { header: 'Last attempt', cell: (d) => <Time at={d.updated_at} /> },
];

function DeliveriesDialog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const [rows, setRows] = useState<WebhookDelivery[] | null>(null);
  const loader = useSubmit<never, WebhookDelivery[]>();
  const load = loader.handler({ send: async () => (await api.webhookDeliveries(endpoint.id)).items });
  useEffect(() => load(), [endpoint.id]);
  useEffect(() => setRows(loader.result ?? rows), [loader.result]);

  return (
    <Dialog title="Recent deliveries" onClose={onClose} testid="webhook-deliveries">
      <p class="muted cell--mono">{endpoint.url}</p>
      <FormError error={loader.error} testid="webhook-deliveries-error" />
      <DataTable
        columns={DELIVERY_COLUMNS}
        rows={rows ?? []}
        label="Recent deliveries"
        testid="webhook-deliveries-table"
        rowTestid="delivery-row"
        loading={loader.sending}
        empty={rows === null ? 'Loading…' : 'No deliveries yet.'}
        dense
      />
      <div class="form__actions">
        <button type="button" class="btn" onClick={() => load()} disabled={loader.sending} data-testid="webhook-deliveries-refresh">
          Refresh
        </button>
      </div>
    </Dialog>
  );
}
