/** Events: EventBridge events on any bus, newest first, each with its JSON and its trail. */
import { useLocalData } from '../../hooks/useLocalData';
import { pick, type BusEvent } from '../../localApi';
import { NotAvailable, Panel, TrailLink } from './Panel';
import s from './style.module.css';
import type { PanelProps } from './tabs';
import { Time } from '../../components/Time';

function EventEntry({ ev, showTrail }: { ev: BusEvent; showTrail: (id: string) => void }) {
  const cid = typeof ev.detail?.correlation_id === 'string' ? ev.detail.correlation_id : null;
  // what the event is about, at a glance
  const about = ev.detail ? pick(ev.detail, ['email', 'import_id', 'campaign_id', 'list_id', 'user_id']) : null;
  return (
    <li data-testid="console-event-row">
      <details>
        <summary>
          <strong>{ev['detail-type']}</strong> <span class="muted">from</span> <code>{ev.source}</code>{' '}
          <Time at={ev.time} class="muted small" />
          {about && (
            <>
              {' '}
              <span class="small cell--mono" data-testid="console-event-about">
                {about}
              </span>
            </>
          )}
        </summary>
        {cid && <TrailLink id={cid} showTrail={showTrail} testid="console-event-trail" />}
        <pre class={s.json} data-testid="console-event-json">
          {JSON.stringify(ev, null, 2)}
        </pre>
      </details>
    </li>
  );
}

export function EventsPanel({ auto, showTrail }: PanelProps) {
  const e = useLocalData<BusEvent[]>('/events', { auto });
  const events = e.data ?? [];
  if (e.notAvailable) return <NotAvailable what="The event log" />;
  return (
    <Panel title="Events" source={e}>
      <p class="muted small">EventBridge events on any bus, newest first.</p>
      {e.data && events.length === 0 && <p class="muted">No events yet.</p>}
      <ol class={s.entries} data-testid="console-events">
        {events.map((ev, i) => (
          <EventEntry key={ev.id ?? i} ev={ev} showTrail={showTrail} />
        ))}
      </ol>
    </Panel>
  );
}
