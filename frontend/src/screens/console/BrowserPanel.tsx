/** Browse: a table's items by key prefix, a bucket's objects, Cognito's users (queues: the Queues tab). */
import { useState } from 'preact/hooks';
import { DataTable, type Column } from '../../components/DataTable';
import { FormError } from '../../components/FormError';
import { SelectField } from '../../components/SelectField';
import { Time } from '../../components/Time';
import { useLocalData } from '../../hooks/useLocalData';
import { NotAvailable, JsonDetails, Panel } from './Panel';
import s from './style.module.css';
import type { PanelProps } from './tabs';
import { formatBytes } from './tools';

interface TableInfo {
  name: string;
  hash_key: string;
  range_key: string | null;
  items: number;
}
interface ItemPage {
  items: Record<string, unknown>[];
  next: string | null;
}
interface ObjectPage {
  objects: { key: string; bytes: number; last_modified: string; etag: string }[];
  next: string | null;
}
interface UserInfo {
  pool: string;
  username: string;
  status: string | null;
  enabled: boolean | null;
  created_at: string;
  attributes: Record<string, string>;
}

const VIEWS = [
  { value: 'table', label: 'Table items' },
  { value: 'bucket', label: 'Bucket objects' },
  { value: 'users', label: 'Cognito users' },
] as const;

function query(params: Record<string, string | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** Prefix box, and pages: `after` is the `next` of the page before (a stack to go back). */
function usePrefixPages() {
  const [prefix, setPrefix] = useState('');
  const [typed, setTyped] = useState('');
  const [pages, setPages] = useState<string[]>([]);
  return {
    prefix,
    typed,
    setTyped,
    after: pages[pages.length - 1] ?? null,
    apply: () => {
      setPrefix(typed.trim());
      setPages([]);
    },
    next: (cursor: string) => setPages((p) => [...p, cursor]),
    back: () => setPages((p) => p.slice(0, -1)),
    canGoBack: pages.length > 0,
  };
}

function PrefixForm({ pages, label, testid }: { pages: ReturnType<typeof usePrefixPages>; label: string; testid: string }) {
  return (
    <form
      class={s.tools}
      onSubmit={(e) => {
        e.preventDefault();
        pages.apply();
      }}
    >
      <label for={`${testid}-prefix`}>{label}</label>
      <input id={`${testid}-prefix`} class="input input--mono" value={pages.typed} onInput={(e) => pages.setTyped(e.currentTarget.value)} data-testid={`${testid}-prefix`} />
      <button type="submit" class="btn btn--small btn--primary" data-testid={`${testid}-go`}>
        Show
      </button>
    </form>
  );
}

function Pager({ pages, next, testid }: { pages: ReturnType<typeof usePrefixPages>; next: string | null; testid: string }) {
  return (
    <div class={s.tools}>
      <button type="button" class="btn btn--small" onClick={pages.back} disabled={!pages.canGoBack} data-testid={`${testid}-back`}>
        Back
      </button>
      <button type="button" class="btn btn--small" onClick={() => next && pages.next(next)} disabled={!next} data-testid={`${testid}-next`}>
        Next
      </button>
    </div>
  );
}

function TableView({ auto }: { auto: boolean }) {
  const tables = useLocalData<TableInfo[]>('/browse/tables', { auto: false });
  const [chosen, setChosen] = useState('');
  const table = chosen || tables.data?.[0]?.name || '';
  const pages = usePrefixPages();
  const items = useLocalData<ItemPage>(table ? `/browse/tables/${encodeURIComponent(table)}${query({ prefix: pages.prefix, after: pages.after, limit: '50' })}` : null, { auto });
  const info = tables.data?.find((t) => t.name === table);
  const key = (item: Record<string, unknown>) => [info?.hash_key, info?.range_key].filter(Boolean).map((k) => String(item[k!] ?? '')).join(' · ');

  const columns: Column<Record<string, unknown>>[] = [
    { header: 'Key', class: 'cell--mono cell--wrap', cell: key },
    { header: 'Item', class: 'cell--wrap', cell: (item) => <JsonDetails summary={`${Object.keys(item).length} attributes`} value={item} /> },
  ];
  return (
    <>
      <SelectField
        id="console-browse-table"
        label="Table"
        value={table}
        options={(tables.data ?? []).map((t) => ({ value: t.name, label: `${t.name} (${t.items} items)` }))}
        onValue={setChosen}
      />
      <PrefixForm pages={pages} label={`${info?.hash_key ?? 'Hash key'} starts with`} testid="console-browse-table" />
      <FormError error={items.error ?? tables.error} testid="console-browse-error" />
      <DataTable
        columns={columns}
        rows={items.data?.items ?? []}
        rowKey={key}
        label="Items"
        testid="console-browse-items"
        rowTestid="console-browse-item"
        empty="No item under this prefix."
        dense
      />
      <Pager pages={pages} next={items.data?.next ?? null} testid="console-browse-items" />
    </>
  );
}

function BucketView({ auto }: { auto: boolean }) {
  const buckets = useLocalData<{ name: string }[]>('/browse/buckets', { auto: false });
  const [chosen, setChosen] = useState('');
  const bucket = chosen || buckets.data?.[0]?.name || '';
  const pages = usePrefixPages();
  const objects = useLocalData<ObjectPage>(bucket ? `/browse/buckets/${encodeURIComponent(bucket)}${query({ prefix: pages.prefix, after: pages.after, limit: '50' })}` : null, { auto });
  const columns: Column<ObjectPage['objects'][number]>[] = [
    { header: 'Key', class: 'cell--mono cell--wrap', cell: (o) => o.key },
    { header: 'Size', num: true, cell: (o) => formatBytes(o.bytes) },
    { header: 'Modified', cell: (o) => <Time at={o.last_modified} class="small" /> },
  ];
  return (
    <>
      <SelectField id="console-browse-bucket" label="Bucket" value={bucket} options={(buckets.data ?? []).map((b) => ({ value: b.name, label: b.name }))} onValue={setChosen} />
      <PrefixForm pages={pages} label="Key starts with" testid="console-browse-bucket" />
      <FormError error={objects.error ?? buckets.error} testid="console-browse-error" />
      <DataTable
        columns={columns}
        rows={objects.data?.objects ?? []}
        rowKey={(o) => o.key}
        label="Objects"
        testid="console-browse-objects"
        rowTestid="console-browse-object"
        empty="No object under this prefix."
        dense
      />
      <Pager pages={pages} next={objects.data?.next ?? null} testid="console-browse-objects" />
    </>
  );
}

function UsersView({ auto }: { auto: boolean }) {
  const users = useLocalData<UserInfo[]>('/browse/users', { auto });
  const columns: Column<UserInfo>[] = [
    { header: 'User', class: 'cell--mono cell--wrap', cell: (u) => u.attributes.email ?? u.username },
    { header: 'Status', cell: (u) => u.status ?? '—' },
    { header: 'Pool', class: 'cell--mono', cell: (u) => u.pool },
    { header: 'Created', cell: (u) => <Time at={u.created_at} class="small" /> },
    { header: 'Attributes', class: 'cell--wrap', cell: (u) => <JsonDetails summary="Attributes" value={u.attributes} /> },
  ];
  return (
    <>
      <FormError error={users.error} testid="console-browse-error" />
      <DataTable columns={columns} rows={users.data ?? []} rowKey={(u) => `${u.pool}/${u.username}`} label="Users" testid="console-browse-users" rowTestid="console-browse-user" empty="No user yet." dense />
    </>
  );
}

export function BrowserPanel({ auto }: PanelProps) {
  const [view, setView] = useState<string>('table');
  const probe = useLocalData<unknown>('/browse/tables', { auto: false });
  if (probe.notAvailable) return <NotAvailable what="The resource browser" />;
  return (
    <Panel title="Browse" source={probe}>
      <p class="muted small">Read from the emulator’s state (a dev tool’s view, not a Scan the app would make). Queue contents: the Queues tab.</p>
      <SelectField id="console-browse-view" label="Show" value={view} options={VIEWS} onValue={setView} />
      {view === 'table' && <TableView auto={auto} />}
      {view === 'bucket' && <BucketView auto={auto} />}
      {view === 'users' && <UsersView auto={auto} />}
    </Panel>
  );
}
