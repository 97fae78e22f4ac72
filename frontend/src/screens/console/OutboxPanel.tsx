/** Outbox: the mail SES accepted (nothing leaves the machine), and one message in full. */
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatDateTime } from '../../format';
import { useLocalData } from '../../hooks/useLocalData';
import { mailSrcdoc, type OutboxMessage } from '../../localApi';
import { NotAvailable, Panel } from './Panel';
import s from './style.module.css';
import type { PanelProps } from './tabs';
import { Time } from '../../components/Time';

function MailView({ mail }: { mail: OutboxMessage }) {
  const viewer = useRef<HTMLDivElement>(null);
  useEffect(() => {
    viewer.current?.focus();
  }, [mail.id]);
  return (
    <div class={`${s.outboxView} card`} ref={viewer} tabIndex={-1} aria-label={`Message: ${mail.subject}`} data-testid="console-outbox-view">
      <h3 data-testid="console-outbox-subject">{mail.subject || '(no subject)'}</h3>
      <dl class={`facts ${s.factsSmall}`}>
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
          class={s.outboxFrame}
          title={`HTML of “${mail.subject}”`}
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          srcdoc={mailSrcdoc(mail.html)}
          data-testid="console-outbox-frame"
        />
      ) : (
        <p class="muted">No HTML part.</p>
      )}
      {mail.tracked_links && mail.tracked_links.length > 0 && (
        <>
          <h4>Tracked links</h4>
          <p class="muted small">Opening one is a reader's click: SES's Click event reaches the campaign.</p>
          <ul class={s.trackedLinks} data-testid="console-outbox-tracked-links">
            {mail.tracked_links.map((l) => (
              <li key={l.href}>
                <a href={l.href} target="_blank" rel="noopener noreferrer" data-testid="console-outbox-tracked-link">
                  {l.link}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
      <h4>Text part</h4>
      {mail.text ? (
        <pre class={s.mailtext} data-testid="console-outbox-text">
          {mail.text}
        </pre>
      ) : (
        <p class="muted">No text part.</p>
      )}
      <h4>Headers</h4>
      {Object.keys(mail.headers ?? {}).length ? (
        <dl class={`facts ${s.factsSmall} ${s.factsMono}`} data-testid="console-outbox-headers">
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
  );
}

export function OutboxPanel({ auto }: PanelProps) {
  const o = useLocalData<OutboxMessage[]>('/outbox', { auto });
  const [selected, setSelected] = useState<string | null>(null);
  const mails = o.data ?? [];
  const mail = mails.find((m) => m.id === selected) ?? null;

  if (o.notAvailable) return <NotAvailable what="The outbox" />;
  return (
    <Panel title="Outbox" source={o}>
      <p class="muted small">Mail SES accepted (nothing leaves this machine), newest first.</p>
      {o.data && mails.length === 0 && <p class="muted">No mail yet. Sign up to get a welcome email.</p>}
      <div class={s.outbox}>
        <ul class={s.outboxList} aria-label="Messages">
          {mails.map((m) => (
            <li key={m.id}>
              <button
                type="button"
                class={s.outboxItem}
                aria-current={m.id === selected ? 'true' : undefined}
                onClick={() => setSelected(m.id)}
                data-testid="console-outbox-row"
              >
                <span class={s.outboxSubject}>{m.subject || '(no subject)'}</span>
                <span class={s.outboxTo}>To {m.to.join(', ')}</span>
                <Time at={m.sent_at} class="muted small" />
              </button>
            </li>
          ))}
        </ul>
        {mail && <MailView mail={mail} />}
        {!mail && mails.length > 0 && <p class="muted">Choose a message to see it.</p>}
      </div>
    </Panel>
  );
}
