/** The account's API keys: create one (its secret shown once), see when each was last used, revoke. */
import { useState } from 'preact/hooks';
import { api, type ApiKey, type ApiKeyCreated, type ApiKeyScope } from '../api';
import { Badge } from '../components/Badges';
import { CopyField } from '../components/CopyButton';
import { actionsColumn, RowButton, type Column } from '../components/DataTable';
import { ConfirmAction, Dialog } from '../components/Dialog';
import { Field } from '../components/Field';
import { FormCard } from '../components/FormCard';
import { Notice } from '../components/FormError';
import { Page } from '../components/Page';
import { PagedTable } from '../components/PagedTable';
import { SelectField } from '../components/SelectField';
import { Time } from '../components/Time';
import { useDialog } from '../hooks/useDialog';
import { useForm } from '../hooks/useForm';
import { usePaged } from '../hooks/usePaged';

const SCOPES: Record<ApiKeyScope, { label: string; hint: string }> = {
  read_only: { label: 'Read only', hint: 'Reads lists, subscribers, campaigns and segments; changes nothing.' },
  send_only: { label: 'Send only', hint: 'Reads, and sends: transactional mail and campaign send or schedule.' },
  read_write: { label: 'Read and write', hint: 'Everything you can do here, except managing keys and your account.' },
};

const SCOPE_OPTIONS = (Object.keys(SCOPES) as ApiKeyScope[]).map((s) => ({ value: s, label: SCOPES[s].label }));

function keyColumns(onRevoke: (k: ApiKey) => void): Column<ApiKey>[] {
  return [
    { header: 'Name', class: 'cell--strong cell--wrap', testid: 'key-name', cell: (k) => k.name },
    { header: 'Key', testid: 'key-prefix', cell: (k) => <code>{k.prefix}…</code> },
    { header: 'Scope', cell: (k) => <Badge tone="muted" testid="key-scope">{SCOPES[k.scope]?.label ?? k.scope}</Badge> },
    { header: 'Created', cell: (k) => <Time at={k.created_at} date /> },
    { header: 'Last used', testid: 'key-last-used', cell: (k) => (k.last_used_at ? <Time at={k.last_used_at} /> : 'Never') },
    actionsColumn((k) => (
      <RowButton onClick={() => onRevoke(k)} label={`Revoke ${k.name}`} testid="key-revoke" danger>
        Revoke
      </RowButton>
    )),
  ];
}

export function ApiKeysScreen() {
  const page = usePaged<ApiKey>('keys', () => api.listKeys());
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const dialog = useDialog<'revoke', ApiKey>();
  const revoking = dialog.about('revoke');

  return (
    <Page title="API keys">
      <div class="stack">
        <p class="muted">
          A key lets a program call Herald's API as you, within its scope: send it as <code>Authorization: Bearer &lt;key&gt;</code>.
          The API's reference is at <a href="/docs">/docs</a>.
        </p>
        <CreateKeyForm
          onCreated={(k) => {
            setCreated(k);
            page.reload();
          }}
        />
        <PagedTable
          paged={page}
          title="Your keys"
          testid="keys"
          loadingText="Loading…"
          columns={keyColumns(dialog.opener('revoke'))}
          rowTestid="key-row"
          empty="No API key yet."
        />
      </div>
      {created && <NewKeyDialog created={created} onClose={() => setCreated(null)} />}
      {revoking && (
        <ConfirmAction
          title="Revoke this key?"
          confirmLabel="Revoke the key"
          busyLabel="Revoking…"
          action={() => api.revokeKey(revoking.id)}
          doneCode="key_not_found"
          onDone={dialog.done(page.reload)}
          onCancel={dialog.close}
          testid="key-revoke"
        >
          <p>
            Programs that use <strong>{revoking.name}</strong> (<code>{revoking.prefix}…</code>) are refused from their next request.
            This cannot be undone.
          </p>
        </ConfirmAction>
      )}
    </Page>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (created: ApiKeyCreated) => void }) {
  const f = useForm<{ name: string; scope: string }>('key-create', { name: '', scope: 'read_only' });
  const onSubmit = f.handler({
    validate: () => ({ name: f.values.name.trim() ? undefined : 'Name the key (what will use it?).' }),
    send: async () => {
      const created = await api.createKey({ name: f.values.name.trim(), scope: f.values.scope as ApiKeyScope });
      f.reset();
      onCreated(created);
      return created.id;
    },
  });
  const scope = SCOPES[f.values.scope as ApiKeyScope];

  return (
    <FormCard form={f} onSubmit={onSubmit} title="Create a key" submit="Create key" busy="Creating…">
      <div class="form__row">
        <Field {...f.field('name')} label="Name" autoComplete="off" maxLength={100} required />
        <SelectField {...f.field('scope')} label="Scope" options={SCOPE_OPTIONS} hint={scope?.hint} />
      </div>
    </FormCard>
  );
}

/** The new key's secret, this once: copy it now or revoke it and make another. */
function NewKeyDialog({ created, onClose }: { created: ApiKeyCreated; onClose: () => void }) {
  return (
    <Dialog title={`Your new key “${created.name}”`} onClose={onClose} testid="key-created-dialog">
      <div class="form">
        <Notice testid="key-created-warning">Copy it now: Herald keeps only a hash of it and cannot show it again.</Notice>
        <CopyField
          id="key-created-secret"
          label={`API key (${SCOPES[created.scope]?.label ?? created.scope})`}
          value={created.key}
          copyLabel="Copy the key"
          copyTestid="key-created-copy"
        >
          <button type="button" class="btn" onClick={onClose} data-testid="key-created-done">
            Done
          </button>
        </CopyField>
      </div>
    </Dialog>
  );
}
