/** Permissions: each function's IAM policy from the template, what it used, was denied, never used. */
import { Badge } from '../../components/Badges';
import { useLocalData } from '../../hooks/useLocalData';
import { NotAvailable, Panel } from './Panel';
import s from './style.module.css';
import type { PanelProps } from './tabs';

interface Grant {
  actions: string[];
  resources: string[];
  used: number;
}

interface Use {
  action: string;
  resource: string;
  count: number;
}

interface FunctionPermissions {
  principal: string;
  granted: Grant[];
  unused: Grant[];
  used: Use[];
  denied: Use[];
  unmapped: { call: string; count: number }[];
  gaps: string[];
}

/** `GET /_local/iam`. */
export interface PermissionsReport {
  enforced: boolean;
  functions: Record<string, FunctionPermissions>;
}

function Uses({ rows, tone, testid }: { rows: Use[]; tone: string; testid: string }) {
  return (
    <ul class={s.entries} data-testid={testid}>
      {rows.map((u) => (
        <li key={`${u.action} ${u.resource}`} class="small">
          <Badge tone={tone}>{u.count}×</Badge> <code>{u.action}</code> <span class="muted">on</span> <code class="cell--wrap">{u.resource}</code>
        </li>
      ))}
    </ul>
  );
}

function FunctionEntry({ name, f }: { name: string; f: FunctionPermissions }) {
  return (
    <li data-testid="console-permissions-function">
      <details open={f.denied.length > 0}>
        <summary>
          <strong>{name}</strong> <span class="muted small">{f.used.length} used · {f.unused.length} granted, never used</span>
          {f.denied.length > 0 && (
            <>
              {' '}
              <Badge tone="danger">{f.denied.length} denied</Badge>
            </>
          )}
          {f.unmapped.length > 0 && (
            <>
              {' '}
              <Badge tone="warn">{f.unmapped.length} unmapped</Badge>
            </>
          )}
        </summary>
        {f.denied.length > 0 && <Uses rows={f.denied} tone="danger" testid="console-permissions-denied" />}
        <Uses rows={f.used} tone="ok" testid="console-permissions-used" />
        <ul class={s.entries} data-testid="console-permissions-granted">
          {f.granted.map((g, i) => (
            <li key={i} class="small">
              <Badge tone={g.used ? 'ok' : 'warn'}>{g.used ? `used ${g.used}×` : 'never used'}</Badge> <code>{g.actions.join(', ')}</code>{' '}
              <span class="muted">on</span> <code class="cell--wrap">{g.resources.join(', ')}</code>
            </li>
          ))}
        </ul>
        {f.unmapped.map((u) => (
          <p key={u.call} class="muted small">
            Not checked locally (no mapping): <code>{u.call}</code> × {u.count}
          </p>
        ))}
      </details>
    </li>
  );
}

export function PermissionsPanel({ auto }: PanelProps) {
  const r = useLocalData<PermissionsReport>('/iam', { auto });
  if (r.notAvailable) return <NotAvailable what="The permissions report" />;
  const functions = Object.entries(r.data?.functions ?? {});
  return (
    <Panel title="Permissions" source={r}>
      <p class="muted small">
        Each function’s policy as template.yaml declares it, checked on every AWS call it makes
        {r.data && !r.data.enforced ? ' (denials are logged, not enforced)' : ''}: granted and used, never used (least-privilege
        candidates), denied.
      </p>
      <ol class={s.entries} data-testid="console-permissions">
        {functions.map(([name, f]) => (
          <FunctionEntry key={name} name={name} f={f} />
        ))}
      </ol>
    </Panel>
  );
}
