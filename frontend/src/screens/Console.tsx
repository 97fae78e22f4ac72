import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { ConfirmDialog } from '../components/Dialog';
import { FormError } from '../components/FormError';
import { Page } from '../components/Page';
import { getConfig } from '../config';
import { formatCount, formatDateTime } from '../format';
import { useLocalData } from '../hooks/useLocalData';
import {
  asList,
  localJson,
  mailSrcdoc,
  NotAvailableError,
  pick,
  type BusEvent,
  type OutboxMessage,
  type PollerInfo,
  type QueueInfo,
  type Resource,
} from '../localApi';
import { href, navigate, useLocation } from '../router';

export const CONSOLE_TABS = [
  { id: 'resources', label: 'Resources' },
  { id: 'queues', label: 'Queues' },
  { id: 'events', label: 'Events' },
  { id: 'outbox', label: 'Outbox' },
  { id: 'executions', label: 'Executions' },
  { id: 'trail', label: 'Trail' },
] as const;

export type ConsoleTab = (typeof CONSOLE_TABS)[number]['id'];

export function consoleTab(value: string | null): ConsoleTab {
  return CONSOLE_TABS.some((t) => t.id === value) ? (value as ConsoleTab) : 'resources';
}


/** The local runner's dev console at /_local: what the embedded cloud built and what flows through it. */
export function ConsoleScreen() {
  const { query } = useLocation();
  const tab = consoleTab(query.get('tab'));
  const trailId = query.get('id') ?? '';
  const [auto, setAuto] = useState(true);
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});

  function go(next: ConsoleTab, extra: Record<string, string> = {}, focus = false) {
    navigate(href('/_local', { tab: next, ...extra }), { replace: true });
    if (focus) requestAnimationFrame(() => tabRefs.current[next]?.focus());
  }

  function onTabKey(e: KeyboardEvent, index: number) {
    const last = CONSOLE_TABS.length - 1;
    const to =
      e.key === 'ArrowRight' ? (index === last ? 0 : index + 1)
      : e.key === 'ArrowLeft' ? (index === 0 ? last : index - 1)
      : e.key === 'Home' ? 0
      : e.key === 'End' ? last
      : null;
    if (to === null) return;
    e.preventDefault();
    go(CONSOLE_TABS[to]!.id, {}, true);
  }

  const stage = getConfig().stage;

  return (
    <Page title="Dev console">
      <div class="console" data-testid="console">
        <div class="console__bar">
          <p class="muted small">
            The local runner’s embedded cloud{stage !== 'local' && stage !== 'unknown' ? ` (stage ${stage}: this console only works locally)` : ''}.
          </p>
          <label class="check">
            <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.currentTarget.checked)} data-testid="console-autorefresh" />
            Refresh every 2 s
          </label>
        </div>
        <div class="tabs" role="tablist" aria-label="Console sections">
          {CONSOLE_TABS.map((t, i) => (
            <button
              key={t.id}
              ref={(el) => {
                tabRefs.current[t.id] = el;
              }}
              type="button"
              role="tab"
              id={`console-tab-${t.id}`}
              class="tabs__tab"
              aria-selected={tab === t.id}
              aria-controls={`console-panel-${t.id}`}
              tabIndex={tab === t.id ? 0 : -1}
              onClick={() => go(t.id)}
              onKeyDown={(e) => onTabKey(e, i)}
              data-testid={`console-tab-${t.id}`}
            >
              {t.label}
            </button>
          ))}
        </div>
        <div class="tabs__panel" role="tabpanel" id={`console-panel-${tab}`} aria-labelledby={`console-tab-${tab}`} tabIndex={0}>
          {tab === 'resources' && <ResourcesPanel auto={auto} />}
          {tab === 'queues' && <QueuesPanel auto={auto} />}
          {tab === 'events' && <EventsPanel auto={auto} onTrail={(id) => go('trail', { id })} />}
          {tab === 'outbox' && <OutboxPanel auto={auto} />}
          {tab === 'executions' && <ExecutionsPanel auto={auto} onTrail={(id) => go('trail', { id })} />}
          {tab === 'trail' && <TrailPanel auto={auto} id={trailId} onId={(id) => go('trail', id ? { id } : {})} />}
        </div>
      </div>
    </Page>
  );
}

// ---------------------------------------------------------------- shared bits

export function NotAvailable({ what }: { what: string }) {
  return (
    <div class="calm" data-testid="console-not-available">
      <p>
        <strong>{what}</strong> is not available in this build of the local runner.
      </p>
      <p class="muted small">The console will show it once the server has this route; nothing is wrong.</p>
    </div>
  );
}

function Updated({ at, loading, onRefresh }: { at: number | null; loading: boolean; onRefresh: () => void }) {
  return (
    <div class="console__updated">
      <span class="muted small" aria-live="off">
        {at ? `Updated ${new Date(at).toLocaleTimeString()}` : loading ? 'Loading…' : ''}
      </span>
      <button type="button" class="btn btn--small" onClick={onRefresh} data-testid="console-refresh">
        Refresh now
      </button>
    </div>
  );
}

function Panel({
  title,
  at,
  loading,
  onRefresh,
  error,
  children,
}: {
  title: string;
  at: number | null;
  loading: boolean;
  onRefresh: () => void;
  error: unknown;
  children: ComponentChildren;
}) {
  return (
    <>
      <div class="console__head">
        <h2>{title}</h2>
        <Updated at={at} loading={loading} onRefresh={onRefresh} />
      </div>
      <FormError error={error} testid="console-error" />
      {children}
    </>
  );
}

function Tone({ tone, children, testid }: { tone: string; children: ComponentChildren; testid?: string }) {
  return (
    <span class={`badge badge--${tone}`} data-testid={testid}>
      {children}
    </span>
  );
}

function resourceTone(status: string): string {
  const s = status.toLowerCase();
  if (s === 'created' || s === 'emulated' || s === 'ok') return 'ok';
  if (s.includes('fail') || s.includes('error')) return 'danger';
  if (s.includes('not')) return 'warn';
  return 'muted';
}

// ---------------------------------------------------------------- resources

function ResourcesPanel({ auto }: { auto: boolean }) {
  const r = useLocalData<Resource[]>('/resources', { auto });
  const [filter, setFilter] = useState('');
  const all = r.data ?? [];
  const f = filter.trim().toLowerCase();
  const shown = f
    ? all.filter((x) => `${x.logical_id} ${x.type} ${x.physical_id ?? ''} ${x.status}`.toLowerCase().includes(f))
    : all;
  const counts = all.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x.status]: (acc[x.status] ?? 0) + 1 }), {});

  if (r.notAvailable) return <NotAvailable what="The resource list" />;
  return (
    <Panel title="Resources" at={r.updatedAt} loading={r.loading} onRefresh={r.refresh} error={r.error}>
      <div class="console__tools">
        <label for="console-resources-filter" class="visually-hidden">
          Filter resources
        </label>
        <input
          id="console-resources-filter"
          type="search"
          class="input"
          placeholder="Filter by id, type or status"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
          data-testid="console-resources-filter"
        />
        <span class="muted small" data-testid="console-resources-summary">
          {all.length} resources
          {Object.entries(counts)
            .sort()
            .map(([k, n]) => ` · ${n} ${k}`)
            .join('')}
        </span>
      </div>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Resources">
        <table class="table table--responsive table--dense" data-testid="console-resources-table">
          <thead>
            <tr>
              <th scope="col">Logical id</th>
              <th scope="col">Type</th>
              <th scope="col">Physical id</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {r.data && shown.length === 0 && (
              <tr>
                <td colSpan={4} class="table__empty">
                  Nothing matches.
                </td>
              </tr>
            )}
            {shown.map((x) => (
              <tr key={x.logical_id} data-testid="console-resource-row">
                <td data-label="Logical id" class="cell--strong">
                  {x.logical_id}
                </td>
                <td data-label="Type">
                  <code>{x.type}</code>
                </td>
                <td data-label="Physical id" class="cell--wrap cell--mono">
                  {x.physical_id ?? <span class="muted">—</span>}
                </td>
                <td data-label="Status" class="cell--wrap">
                  <Tone tone={resourceTone(x.status)}>{x.status}</Tone>
                  {x.detail && <div class="muted small">{x.detail}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}

// ---------------------------------------------------------------- queues

function QueuesPanel({ auto }: { auto: boolean }) {
  const q = useLocalData<QueueInfo[]>('/queues', { auto });
  const p = useLocalData<PollerInfo[]>('/pollers', { auto });
  const [open, setOpen] = useState<string | null>(null);
  const queues = q.data ?? [];
  const dlqs = new Set(queues.map((x) => x.dlq).filter((x): x is string => !!x));
  const isDlq = (x: QueueInfo) => dlqs.has(x.name) || /[-_]dlq$/i.test(x.name);
  const troubled = queues.filter((x) => (x.dlq_depth ?? 0) > 0 || (isDlq(x) && x.depth > 0));

  if (q.notAvailable) return <NotAvailable what="The queue list" />;
  return (
    <Panel title="Queues" at={q.updatedAt} loading={q.loading} onRefresh={q.refresh} error={q.error}>
      {q.data && (
        <p class={troubled.length ? 'alert alert--error' : 'muted small'} data-testid="console-queues-summary" role={troubled.length ? 'alert' : undefined}>
          {troubled.length
            ? `${troubled.length} dead-letter ${troubled.length === 1 ? 'queue has' : 'queues have'} messages: something failed after its retries.`
            : 'Every dead-letter queue is empty.'}
        </p>
      )}
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Queues">
        <table class="table table--responsive table--dense" data-testid="console-queues-table">
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col" class="num">
                Depth
              </th>
              <th scope="col" class="num">
                In flight
              </th>
              <th scope="col" class="num">
                Delayed
              </th>
              <th scope="col">DLQ</th>
              <th scope="col" class="num">
                DLQ depth
              </th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {queues.map((x) => {
              const dlq = isDlq(x);
              const alert = (x.dlq_depth ?? 0) > 0 || (dlq && x.depth > 0);
              return (
                <tr
                  key={x.name}
                  class={alert ? 'row--alert' : undefined}
                  data-testid="console-queue-row"
                  data-queue={x.name}
                  data-alert={alert ? 'true' : 'false'}
                >
                  <td data-label="Queue" class="cell--wrap">
                    <span class="cell--mono">{x.name}</span>
                    {dlq && (
                      <>
                        {' '}
                        <Tone tone={x.depth > 0 ? 'danger' : 'muted'}>DLQ</Tone>
                      </>
                    )}
                    {x.local && <div class="muted small">local wiring (an event source mapping / rule target in AWS)</div>}
                  </td>
                  <td data-label="Depth" class="num">
                    {formatCount(x.depth)}
                  </td>
                  <td data-label="In flight" class="num">
                    {formatCount(x.in_flight)}
                  </td>
                  <td data-label="Delayed" class="num">
                    {formatCount(x.delayed ?? 0)}
                  </td>
                  <td data-label="DLQ" class="cell--mono cell--wrap">
                    {x.dlq ?? <span class="muted">—</span>}
                  </td>
                  <td data-label="DLQ depth" class="num" data-testid="console-queue-dlq-depth">
                    {x.dlq ? <strong class={(x.dlq_depth ?? 0) > 0 ? 'text--danger' : undefined}>{formatCount(x.dlq_depth ?? 0)}</strong> : '—'}
                  </td>
                  <td class="actions">
                    {dlq && (
                      <button
                        type="button"
                        class="btn btn--small"
                        aria-expanded={open === x.name}
                        onClick={() => setOpen(open === x.name ? null : x.name)}
                        data-testid="console-dlq-open"
                      >
                        Messages
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {open && <DlqMessages name={open} auto={auto} onChanged={q.refresh} />}
      {p.data && p.data.length > 0 && (
        <>
          <h3 class="console__sub">Pollers</h3>
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Pollers">
            <table class="table table--responsive table--dense" data-testid="console-pollers-table">
              <thead>
                <tr>
                  <th scope="col">Poller</th>
                  <th scope="col" class="num">
                    Invocations
                  </th>
                  <th scope="col" class="num">
                    Errors
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.data.map((x) => (
                  <tr key={x.name} class={x.errors > 0 ? 'row--alert' : undefined}>
                    <td data-label="Poller" class="cell--mono">
                      {x.name}
                    </td>
                    <td data-label="Invocations" class="num">
                      {formatCount(x.invocations)}
                    </td>
                    <td data-label="Errors" class="num">
                      {formatCount(x.errors)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Panel>
  );
}

function DlqMessages({ name, auto, onChanged }: { name: string; auto: boolean; onChanged: () => void }) {
  const m = useLocalData<QueueMessages | Record<string, unknown>[]>(`/queues/${encodeURIComponent(name)}/messages`, { auto });
  const [confirming, setConfirming] = useState(false);
  const [redrive, setRedrive] = useState<{ busy: boolean; result: RedriveResult | null; error: unknown; notAvailable: boolean }>({
    busy: false,
    result: null,
    error: null,
    notAvailable: false,
  });
  const info = m.data && !Array.isArray(m.data) ? m.data : null;
  const messages = asList(m.data);
  const count = info?.count ?? messages.length;

  async function onRedrive() {
    setRedrive({ busy: true, result: null, error: null, notAvailable: false });
    try {
      const result = await localJson<RedriveResult>(`/queues/${encodeURIComponent(name)}/redrive`, { method: 'POST' });
      setRedrive({ busy: false, result, error: null, notAvailable: false });
      onChanged();
      m.refresh();
    } catch (err) {
      const missing = err instanceof NotAvailableError;
      setRedrive({ busy: false, result: null, error: missing ? null : err, notAvailable: missing });
    } finally {
      setConfirming(false);
    }
  }

  return (
    <section class="card dlq" aria-label={`Messages of ${name}`} data-testid="console-dlq-panel">
      <div class="console__head">
        <h3>
          Messages in <code>{name}</code>
          {m.data !== null && (
            <span class="muted small" data-testid="console-dlq-count">
              {' '}
              ({count}
              {info?.truncated ? ', first ones shown' : ''})
            </span>
          )}
        </h3>
        <button
          type="button"
          class="btn btn--small btn--danger-outline"
          onClick={() => setConfirming(true)}
          disabled={redrive.busy || m.notAvailable || (m.data !== null && count === 0)}
          data-testid="console-dlq-redrive"
        >
          {redrive.busy ? 'Redriving…' : 'Redrive'}
        </button>
      </div>
      {info?.sources && info.sources.length > 0 && (
        <p class="muted small">
          Dead-letter queue of <code>{info.sources.join(', ')}</code>.
        </p>
      )}
      {redrive.notAvailable && <NotAvailable what="Redrive" />}
      {redrive.result && (
        <p class="saved" role="status" data-testid="console-dlq-redrive-result">
          {redriveSummary(redrive.result)}
        </p>
      )}
      <FormError error={redrive.error} testid="console-dlq-redrive-error">
        <DetailReasons error={redrive.error} />
      </FormError>
      {m.notAvailable ? (
        <NotAvailable what="Reading a queue’s messages" />
      ) : (
        <>
          <FormError error={m.error} testid="console-dlq-error" />
          {m.data !== null && messages.length === 0 && <p class="muted">No messages.</p>}
          <ol class="entries">
            {messages.map((msg, i) => (
              <li key={pick(msg, ['id', 'MessageId']) ?? i} data-testid="console-dlq-message">
                <details>
                  <summary>
                    <span class="badge badge--muted">{KIND_LABEL[String(msg.kind)] ?? 'Message'}</span>{' '}
                    <span class="cell--mono small">{pick(msg, ['id', 'MessageId']) ?? `#${i + 1}`}</span>{' '}
                    <span class="muted small">
                      {formatDateTime(pick(msg, ['sent_at']))}
                      {Number(msg.receive_count) > 0 ? ` · received ${String(msg.receive_count)}×` : ''}
                      {Number(msg.attempts) > 0 ? ` · ${String(msg.attempts)} attempts` : ''}
                    </span>
                    {pick(msg, ['error']) && <div class="text--danger small">{pick(msg, ['error'])}</div>}
                  </summary>
                  <pre class="json">{prettyBody(msg)}</pre>
                </details>
              </li>
            ))}
          </ol>
        </>
      )}
      {confirming && (
        <ConfirmDialog
          title="Redrive this dead-letter queue?"
          confirmLabel="Redrive"
          busyLabel="Redriving…"
          busy={redrive.busy}
          onConfirm={() => void onRedrive()}
          onCancel={() => setConfirming(false)}
          testid="console-dlq-redrive"
        >
          <p>
            The {count === 1 ? 'message' : `${count} messages`} in <code>{name}</code> go back to their source queue, or their
            function is invoked again with the original event.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

interface QueueMessages {
  queue: string;
  count: number;
  truncated: boolean;
  sources: string[];
  messages: Record<string, unknown>[];
}

interface RedriveResult {
  moved?: number;
  requeued?: number;
  reinvoked?: number;
  to_queue?: string | null;
  functions?: string[];
  how?: string;
}

const KIND_LABEL: Record<string, string> = {
  'lambda-async-failure': 'Failed invocation',
  'stream-failure': 'Failed stream batch',
  message: 'Message',
};

export function redriveSummary(r: RedriveResult): string {
  const parts: string[] = [];
  if (r.requeued) parts.push(`${r.requeued} back to ${r.to_queue ?? 'their queue'}`);
  if (r.reinvoked) parts.push(`${r.reinvoked} re-invoked${r.functions?.length ? ` (${r.functions.join(', ')})` : ''}`);
  if (parts.length === 0) return r.moved ? `Moved ${r.moved} message(s).` : 'Nothing to move.';
  return `Redriven: ${parts.join('; ')}.`;
}

/** The `details` of a refused redrive: one reason per message. */
function DetailReasons({ error }: { error: unknown }) {
  const details = error instanceof ApiError ? asList(error.details) : [];
  if (details.length === 0) return null;
  return (
    <ul class="small">
      {details.map((d, i) => (
        <li key={i}>
          <code>{pick(d, ['id']) ?? `#${i + 1}`}</code>: {pick(d, ['reason', 'message']) ?? ''}
        </li>
      ))}
    </ul>
  );
}

/** A message's body pretty-printed when it is JSON text, else the whole message. */
function prettyBody(msg: Record<string, unknown>): string {
  const body = msg.body ?? msg.Body;
  if (typeof body === 'string') {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return body;
    }
  }
  return JSON.stringify(msg, null, 2);
}

// ---------------------------------------------------------------- events

function EventsPanel({ auto, onTrail }: { auto: boolean; onTrail: (id: string) => void }) {
  const e = useLocalData<BusEvent[]>('/events', { auto });
  const events = e.data ?? [];
  if (e.notAvailable) return <NotAvailable what="The event log" />;
  return (
    <Panel title="Events" at={e.updatedAt} loading={e.loading} onRefresh={e.refresh} error={e.error}>
      <p class="muted small">EventBridge events on any bus, newest first.</p>
      {e.data && events.length === 0 && <p class="muted">No events yet.</p>}
      <ol class="entries" data-testid="console-events">
        {events.map((ev, i) => {
          const cid = typeof ev.detail?.correlation_id === 'string' ? ev.detail.correlation_id : null;
          // what the event is about, at a glance
          const about = ev.detail ? pick(ev.detail, ['email', 'import_id', 'campaign_id', 'list_id', 'user_id']) : null;
          return (
            <li key={ev.id ?? i} data-testid="console-event-row">
              <details>
                <summary>
                  <strong>{ev['detail-type']}</strong> <span class="muted">from</span> <code>{ev.source}</code>{' '}
                  <time class="muted small" dateTime={ev.time}>
                    {formatDateTime(ev.time)}
                  </time>
                  {about && (
                    <>
                      {' '}
                      <span class="small cell--mono" data-testid="console-event-about">
                        {about}
                      </span>
                    </>
                  )}
                </summary>
                {cid && (
                  <p class="small">
                    Correlation id <code>{cid}</code>{' '}
                    <button type="button" class="btn btn--small" onClick={() => onTrail(cid)} data-testid="console-event-trail">
                      Show trail
                    </button>
                  </p>
                )}
                <pre class="json" data-testid="console-event-json">
                  {JSON.stringify(ev, null, 2)}
                </pre>
              </details>
            </li>
          );
        })}
      </ol>
    </Panel>
  );
}

// ---------------------------------------------------------------- outbox

function OutboxPanel({ auto }: { auto: boolean }) {
  const o = useLocalData<OutboxMessage[]>('/outbox', { auto });
  const [selected, setSelected] = useState<string | null>(null);
  const mails = o.data ?? [];
  const mail = mails.find((m) => m.id === selected) ?? null;
  const viewer = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (selected) viewer.current?.focus();
  }, [selected]);

  if (o.notAvailable) return <NotAvailable what="The outbox" />;
  return (
    <Panel title="Outbox" at={o.updatedAt} loading={o.loading} onRefresh={o.refresh} error={o.error}>
      <p class="muted small">Mail SES accepted (nothing leaves this machine), newest first.</p>
      {o.data && mails.length === 0 && <p class="muted">No mail yet. Sign up to get a welcome email.</p>}
      <div class="outbox">
        <ul class="outbox__list" aria-label="Messages">
          {mails.map((m) => (
            <li key={m.id}>
              <button
                type="button"
                class="outbox__item"
                aria-current={m.id === selected ? 'true' : undefined}
                onClick={() => setSelected(m.id)}
                data-testid="console-outbox-row"
              >
                <span class="outbox__subject">{m.subject || '(no subject)'}</span>
                <span class="outbox__to">To {m.to.join(', ')}</span>
                <time class="muted small" dateTime={m.sent_at}>
                  {formatDateTime(m.sent_at)}
                </time>
              </button>
            </li>
          ))}
        </ul>
        {mail && (
          <div class="outbox__view card" ref={viewer} tabIndex={-1} aria-label={`Message: ${mail.subject}`} data-testid="console-outbox-view">
            <h3 data-testid="console-outbox-subject">{mail.subject || '(no subject)'}</h3>
            <dl class="facts facts--small">
              <dt>From</dt>
              <dd>{mail.from}</dd>
              <dt>To</dt>
              <dd data-testid="console-outbox-to">{mail.to.join(', ')}</dd>
              {mail.cc && mail.cc.length > 0 && (
                <>
                  <dt>Cc</dt>
                  <dd>{mail.cc.join(', ')}</dd>
                </>
              )}
              <dt>Sent</dt>
              <dd>{formatDateTime(mail.sent_at)}</dd>
            </dl>
            {mail.html ? (
              <iframe
                class="outbox__frame"
                title={`HTML of “${mail.subject}”`}
                sandbox="allow-popups allow-popups-to-escape-sandbox"
                srcdoc={mailSrcdoc(mail.html)}
                data-testid="console-outbox-frame"
              />
            ) : (
              <p class="muted">No HTML part.</p>
            )}
            <h4>Text part</h4>
            {mail.text ? (
              <pre class="mailtext" data-testid="console-outbox-text">
                {mail.text}
              </pre>
            ) : (
              <p class="muted">No text part.</p>
            )}
            <h4>Headers</h4>
            {Object.keys(mail.headers ?? {}).length ? (
              <dl class="facts facts--small facts--mono" data-testid="console-outbox-headers">
                {Object.entries(mail.headers).map(([k, v]) => (
                  <Fragment key={k}>
                    <dt>{k}</dt>
                    <dd>{String(v)}</dd>
                  </Fragment>
                ))}
              </dl>
            ) : (
              <p class="muted small" data-testid="console-outbox-headers">
                No extra headers.
              </p>
            )}
          </div>
        )}
        {!mail && mails.length > 0 && <p class="muted outbox__hint">Choose a message to see it.</p>}
      </div>
    </Panel>
  );
}

// ---------------------------------------------------------------- executions

interface ExecutionRow {
  arn: string;
  name: string;
  state_machine: string;
  status: string;
  started_at: string | null;
  stopped_at: string | null;
  duration_ms: number | null;
  correlation_id: string | null;
}

interface ExecutionDetail extends ExecutionRow {
  input: unknown;
  output: unknown;
  error: string | null;
  cause: string | null;
  history: Record<string, unknown>[];
}

function statusTone(status: string | null): string {
  const s = (status ?? '').toLowerCase();
  if (['succeeded', 'success', 'ok', 'completed'].includes(s)) return 'ok';
  if (['failed', 'error', 'timed_out', 'aborted'].some((x) => s.includes(x))) return 'danger';
  if (['running', 'in_progress'].includes(s)) return 'info';
  return 'muted';
}

function ExecutionsPanel({ auto, onTrail }: { auto: boolean; onTrail: (id: string) => void }) {
  const x = useLocalData<ExecutionRow[]>('/executions', { auto });
  const items = (asList(x.data) as unknown as ExecutionRow[]) ?? [];
  const [open, setOpen] = useState<string | null>(null);
  if (x.notAvailable) return <NotAvailable what="The executions list" />;
  return (
    <Panel title="Executions" at={x.updatedAt} loading={x.loading} onRefresh={x.refresh} error={x.error}>
      <p class="muted small">Step Functions executions, newest first.</p>
      {x.data !== null && items.length === 0 && (
        <p class="muted" data-testid="console-executions-empty">
          No executions yet.
        </p>
      )}
      <ol class="entries" data-testid="console-executions">
        {items.map((item, i) => (
          <li key={item.arn ?? i} data-testid="console-execution-row">
            <button
              type="button"
              class="linklike"
              aria-expanded={open === item.arn}
              onClick={() => setOpen(open === item.arn ? null : item.arn)}
              data-testid="console-execution-open"
            >
              <strong>{item.state_machine || item.name}</strong>
            </button>{' '}
            <Tone tone={statusTone(item.status)}>{item.status}</Tone>{' '}
            <span class="muted small">
              {formatDateTime(item.started_at)}
              {item.duration_ms !== null && item.duration_ms !== undefined ? ` · ${formatCount(item.duration_ms)} ms` : ''}
            </span>
            <div class="muted small cell--mono">{item.name}</div>
            {item.correlation_id && (
              <p class="small">
                Correlation id <code>{item.correlation_id}</code>{' '}
                <button type="button" class="btn btn--small" onClick={() => onTrail(item.correlation_id!)}>
                  Show trail
                </button>
              </p>
            )}
            {open === item.arn && <ExecutionHistory arn={item.arn} />}
          </li>
        ))}
      </ol>
    </Panel>
  );
}

/** One execution: error, input / output and its history (GET /_local/executions/{arn}). */
function ExecutionHistory({ arn }: { arn: string }) {
  const d = useLocalData<ExecutionDetail>(`/executions/${encodeURIComponent(arn)}`, { auto: false });
  const e = d.data;
  return (
    <div class="execution" data-testid="console-execution-history">
      {d.notAvailable && <NotAvailable what="An execution’s history" />}
      <FormError error={d.error} testid="console-execution-error" />
      {!e && d.loading && <p class="muted small">Loading…</p>}
      {e && (
        <>
          {(e.error || e.cause) && (
            <div class="alert alert--error">
              <p>
                <strong>{e.error}</strong>
              </p>
              {e.cause && <p class="small">{e.cause}</p>}
            </div>
          )}
          <details>
            <summary class="small">Input</summary>
            <pre class="json">{JSON.stringify(e.input, null, 2)}</pre>
          </details>
          {e.output !== null && e.output !== undefined && (
            <details>
              <summary class="small">Output</summary>
              <pre class="json">{JSON.stringify(e.output, null, 2)}</pre>
            </details>
          )}
          <TrailList entries={asList(e.history)} />
        </>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- trail

function TrailPanel({ auto, id, onId }: { auto: boolean; id: string; onId: (id: string) => void }) {
  const [text, setText] = useState(id);
  // Follow a new id from the URL, but never overwrite what was typed since the last one
  // (an effect on mount would clear text typed before it ran).
  const shownId = useRef(id);
  useEffect(() => {
    if (id !== shownId.current) {
      shownId.current = id;
      setText(id);
    }
  }, [id]);
  const t = useLocalData<unknown>(id ? `/trail/${encodeURIComponent(id)}` : null, { auto });
  const entries = asList(t.data);

  return (
    <>
      <div class="console__head">
        <h2>Trail</h2>
        {id && <Updated at={t.updatedAt} loading={t.loading} onRefresh={t.refresh} />}
      </div>
      <form
        class="console__tools"
        onSubmit={(e) => {
          e.preventDefault();
          onId(text.trim());
        }}
      >
        <label for="console-trail-id">Correlation id</label>
        <input
          id="console-trail-id"
          class="input input--mono"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder="from an X-Correlation-Id header or an event"
          autoComplete="off"
          spellcheck={false}
          data-testid="console-trail-id"
        />
        <button type="submit" class="btn btn--primary btn--small" data-testid="console-trail-submit">
          Show
        </button>
      </form>
      {!id && <p class="muted">Everything one request caused (API call, functions, events, pushes, mail), in order.</p>}
      {t.notAvailable && <NotAvailable what="The trail" />}
      <FormError error={t.error} testid="console-error" />
      {id && t.data !== null && entries.length === 0 && <p class="muted">Nothing recorded for this id (yet).</p>}
      {entries.length > 0 && <TrailList entries={entries} testid="console-trail" />}
    </>
  );
}

const SOURCE_TONE: Record<string, string> = { api: 'info', worker: 'ok', event: 'warn', push: 'muted', email: 'ok' };

/** Time-ordered entries: trail entries {time, source, function_name, kind, message, details}, or execution history events. */
function TrailList({ entries, testid }: { entries: Record<string, unknown>[]; testid?: string }) {
  return (
    <ol class="trail" data-testid={testid}>
      {entries.map((en, i) => {
        const at = pick(en, ['time', 'at', 'timestamp']);
        const source = pick(en, ['source']);
        const fn = pick(en, ['function_name']);
        const detail = en.details ?? en.detail;
        const hasDetail = detail !== undefined && detail !== null && !(typeof detail === 'object' && Object.keys(detail).length === 0);
        return (
          <li key={i} class="trail__entry" data-testid="console-trail-entry" data-source={source ?? undefined}>
            <div class="trail__meta">
              <time class="small cell--mono" dateTime={at ?? undefined}>
                {at ? formatDateTime(at) : '—'}
              </time>
              {source && <span class={`badge badge--${SOURCE_TONE[source] ?? 'info'}`}>{source}</span>}
              {fn && <span class="small cell--mono">{fn}</span>}
              <span class="small cell--strong">{pick(en, ['kind', 'type']) ?? ''}</span>
            </div>
            <div class="trail__msg">{pick(en, ['message', 'msg', 'summary']) ?? ''}</div>
            {hasDetail && (
              <details>
                <summary class="small">Details</summary>
                <pre class="json">{JSON.stringify(detail, null, 2)}</pre>
              </details>
            )}
          </li>
        );
      })}
    </ol>
  );
}
