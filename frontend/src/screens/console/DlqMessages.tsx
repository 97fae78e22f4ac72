/** A dead-letter queue's messages, and Redrive (asked first). */
import { useState } from 'preact/hooks';
import { Badge } from '../../components/Badges';
import { ConfirmDialog } from '../../components/Dialog';
import { FormError } from '../../components/FormError';
import { ApiError } from '../../api';
import { formatDateTime } from '../../format';
import { useLocalData } from '../../hooks/useLocalData';
import { useSubmit } from '../../hooks/useSubmit';
import { asList, localJson, NotAvailableError, pick } from '../../localApi';
import { NotAvailable } from './Panel';
import { redriveSummary, type RedriveResult } from './redrive';
import s from './style.module.css';

interface QueueMessages {
  queue: string;
  count: number;
  truncated: boolean;
  sources: string[];
  messages: Record<string, unknown>[];
}

const KIND_LABEL: Record<string, string> = {
  'lambda-async-failure': 'Failed invocation',
  'stream-failure': 'Failed stream batch',
  message: 'Message',
};

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

function DlqMessage({ msg, index }: { msg: Record<string, unknown>; index: number }) {
  return (
    <li data-testid="console-dlq-message">
      <details>
        <summary>
          <Badge tone="muted">{KIND_LABEL[String(msg.kind)] ?? 'Message'}</Badge>{' '}
          <span class="cell--mono small">{pick(msg, ['id', 'MessageId']) ?? `#${index + 1}`}</span>{' '}
          <span class="muted small">
            {formatDateTime(pick(msg, ['sent_at']))}
            {Number(msg.receive_count) > 0 ? ` · received ${String(msg.receive_count)}×` : ''}
            {Number(msg.attempts) > 0 ? ` · ${String(msg.attempts)} attempts` : ''}
          </span>
          {pick(msg, ['error']) && <div class="text--danger small">{pick(msg, ['error'])}</div>}
        </summary>
        <pre class={s.json}>{prettyBody(msg)}</pre>
      </details>
    </li>
  );
}

export function DlqMessages({ name, auto, onChanged }: { name: string; auto: boolean; onChanged: () => void }) {
  const path = `/queues/${encodeURIComponent(name)}`;
  const m = useLocalData<QueueMessages | Record<string, unknown>[]>(`${path}/messages`, { auto });
  const [confirming, setConfirming] = useState(false);
  const redrive = useSubmit<never, RedriveResult>();
  const info = m.data && !Array.isArray(m.data) ? m.data : null;
  const messages = asList(m.data);
  const count = info?.count ?? messages.length;
  const missing = redrive.error instanceof NotAvailableError;

  const onRedrive = redrive.handler({
    send: async () => {
      try {
        const result = await localJson<RedriveResult>(`${path}/redrive`, { method: 'POST' });
        onChanged();
        m.refresh();
        return result;
      } finally {
        setConfirming(false);
      }
    },
  });

  return (
    <section class={`card ${s.dlq}`} aria-label={`Messages of ${name}`} data-testid="console-dlq-panel">
      <div class={s.head}>
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
          disabled={redrive.sending || m.notAvailable || (m.data !== null && count === 0)}
          data-testid="console-dlq-redrive"
        >
          {redrive.sending ? 'Redriving…' : 'Redrive'}
        </button>
      </div>
      {info?.sources && info.sources.length > 0 && (
        <p class="muted small">
          Dead-letter queue of <code>{info.sources.join(', ')}</code>.
        </p>
      )}
      {missing && <NotAvailable what="Redrive" />}
      {redrive.result && (
        <p class="saved" role="status" data-testid="console-dlq-redrive-result">
          {redriveSummary(redrive.result)}
        </p>
      )}
      <FormError error={missing ? null : redrive.error} testid="console-dlq-redrive-error">
        <DetailReasons error={redrive.error} />
      </FormError>
      {m.notAvailable ? (
        <NotAvailable what="Reading a queue’s messages" />
      ) : (
        <>
          <FormError error={m.error} testid="console-dlq-error" />
          {m.data !== null && messages.length === 0 && <p class="muted">No messages.</p>}
          <ol class={s.entries}>
            {messages.map((msg, i) => (
              <DlqMessage key={pick(msg, ['id', 'MessageId']) ?? i} msg={msg} index={i} />
            ))}
          </ol>
        </>
      )}
      {confirming && (
        <ConfirmDialog
          title="Redrive this dead-letter queue?"
          confirmLabel="Redrive"
          busyLabel="Redriving…"
          busy={redrive.sending}
          onConfirm={onRedrive}
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
