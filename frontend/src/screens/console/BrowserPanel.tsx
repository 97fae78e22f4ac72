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

/** Pick a container (a table, a bucket) of `listPath`, a key prefix, and the pages of 50 under it at `pagePath(name)`. */
function usePrefixBrowse<C extends { name: string }, P>(auto: boolean, listPath: string, pagePath: (name: string) => string) {
  const containers = useLocalData<C[]>(listPath, { auto: false });
  const [chosen, setChosen] = useState('');
  const name = chosen || containers.data?.[0]?.name || '';
  const pages = usePrefixPages();
  const page = useLocalData<P>(name ? `${pagePath(name)}${query({ prefix: pages.prefix, after: pages.after, limit: '50' })}` : null, { auto });
  return { containers, name, setChosen, pages, page };
}

/**
 * A container picker (`console-browse-<what>`), its prefix form, and the rows under the prefix
 * (`console-browse-<noun>s`, a row `console-browse-<noun>`) with Back / Next.
 */
function PrefixRows<R>(props: {
  browse: ReturnType<typeof usePrefixBrowse>;
  what: string;
  label: string;
  options: { value: string; label: string }[];
  prefixLabel: string;
  noun: string;
  columns: Column<R>[];
  rows: R[];
  rowKey: (row: R) => string;
  next: string | null;
}) {
  const { browse, what, label, options, prefixLabel, noun, columns, rows, rowKey, next } = props;
  return (
    <>
      <SelectField id={`console-browse-${what}`} label={label} value={browse.name} options={options} onValue={browse.setChosen} />
      <PrefixForm pages={browse.pages} label={prefixLabel} testid={`console-browse-${what}`} />
      <FormError error={browse.page.error ?? browse.containers.error} testid="console-browse-error" />
      <DataTable
        columns={columns}
        rows={rows}
        rowKey={rowKey}
        label={`${noun.charAt(0).toUpperCase()}${noun.slice(1)}s`}
        testid={`console-browse-${noun}s`}
        rowTestid={`console-browse-${noun}`}
        empty={`No ${noun} under this prefix.`}
        dense
      />
      <Pager pages={browse.pages} next={next} testid={`console-browse-${noun}s`} />
    </>
  );
}

function TableView({ auto }: { auto: boolean }) {
  const browse = usePrefixBrowse<TableInfo, ItemPage>(auto, '/browse/tables', (name) => `/browse/tables/${encodeURIComponent(name)}`);
  const info = browse.containers.data?.find((t) => t.name === browse.name);
  const key = (item: Record<string, unknown>) => [info?.hash_key, info?.range_key].filter(Boolean).map((k) => String(item[k!] ?? '')).join(' · ');

  const columns: Column<Record<string, unknown>>[] = [
    { header: 'Key', class: 'cell--mono cell--wrap', cell: key },
    { header: 'Item', class: 'cell--wrap', cell: (item) => <JsonDetails summary={`${Object.keys(item).length} attributes`} value={item} /> },
  ];
  return (
    <PrefixRows
      browse={browse}
      what="table"
      label="Table"
      options={(browse.containers.data ?? []).map((t) => ({ value: t.name, label: `${t.name} (${t.items} items)` }))}
      prefixLabel={`${info?.hash_key ?? 'Hash key'} starts with`}
      noun="item"
      columns={columns}
      rows={browse.page.data?.items ?? []}
      rowKey={key}
      next={browse.page.data?.next ?? null}
    />
  );
}

function BucketView({ auto }: { auto: boolean }) {
  const browse = usePrefixBrowse<{ name: string }, ObjectPage>(auto, '/browse/buckets', (name) => `/browse/buckets/${encodeURIComponent(name)}`);
  const columns: Column<ObjectPage['objects'][number]>[] = [
    { header: 'Key', class: 'cell--mono cell--wrap', cell: (o) => o.key },
    { header: 'Size', num: true, cell: (o) => formatBytes(o.bytes) },
    { header: 'Modified', cell: (o) => <Time at={o.last_modified} class="small" /> },
  ];
  return (
    <PrefixRows
      browse={browse}
      what="bucket"
      label="Bucket"
      options={(browse.containers.data ?? []).map((b) => ({ value: b.name, label: b.name }))}
      prefixLabel="Key starts with"
      noun="object"
      columns={columns}
      rows={browse.page.data?.objects ?? []}
      rowKey={(o) => o.key}
      next={browse.page.data?.next ?? null}
    />
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
