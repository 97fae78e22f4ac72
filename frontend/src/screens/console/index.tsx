/**
 * The local runner's dev console at /_local: what the embedded cloud built and what flows
 * through it. One tab per panel (`?tab=`); a panel is a component of this folder given
 * `PanelProps`. To add one: a row in `CONSOLE_TABS` (tabs.ts) and its component in `PANELS`.
 */
import type { ComponentType } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { Page } from '../../components/Page';
import { getConfig } from '../../config';
import { href, navigate, useLocation } from '../../router';
import { BrowserPanel } from './BrowserPanel';
import { EventsPanel } from './EventsPanel';
import { ExecutionsPanel } from './ExecutionsPanel';
import { FaultsPanel } from './FaultsPanel';
import { OutboxPanel } from './OutboxPanel';
import { MeterPanel } from './MeterPanel';
import { PermissionsPanel } from './PermissionsPanel';
import { QueuesPanel } from './QueuesPanel';
import { ResourcesPanel } from './ResourcesPanel';
import { SchedulesPanel } from './SchedulesPanel';
import { SnapshotsPanel } from './SnapshotsPanel';
import s from './style.module.css';
import { CONSOLE_TABS, consoleTab, type ConsoleTab, type PanelProps } from './tabs';
import { TrailPanel } from './TrailPanel';

const PANELS: Record<ConsoleTab, ComponentType<PanelProps>> = {
  resources: ResourcesPanel,
  queues: QueuesPanel,
  events: EventsPanel,
  outbox: OutboxPanel,
  executions: ExecutionsPanel,
  trail: TrailPanel,
  faults: FaultsPanel,
  permissions: PermissionsPanel,
  meter: MeterPanel,
  browse: BrowserPanel,
  schedules: SchedulesPanel,
  snapshots: SnapshotsPanel,
};

export function ConsoleScreen() {
  const { query } = useLocation();
  const tab = consoleTab(query.get('tab'));
  const trailId = query.get('id') ?? '';
  const [auto, setAuto] = useState(true);
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});

  function go(next: ConsoleTab, extra: Record<string, string> = {}) {
    navigate(href('/_local', { tab: next, ...extra }), { replace: true });
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
    // Focus moves in this handler, with the selection: every tab is rendered, so the button is
    // there already. Waiting for the next frame left a window in which the tab showed selected
    // while focus was still on the old one, and a quick next key acted on the old tab.
    const next = CONSOLE_TABS[to]!.id;
    tabRefs.current[next]?.focus();
    go(next);
  }

  const stage = getConfig().stage;
  const Shown = PANELS[tab];

  return (
    <Page title="Dev console">
      <div data-testid="console">
        <div class={s.bar}>
          <p class="muted small">
            The local runner’s embedded cloud{stage !== 'local' && stage !== 'unknown' ? ` (stage ${stage}: this console only works locally)` : ''}.
          </p>
          <label class="check">
            <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.currentTarget.checked)} data-testid="console-autorefresh" />
            Refresh every 2 s
          </label>
        </div>
        <div class={s.tabs} role="tablist" aria-label="Console sections">
          {CONSOLE_TABS.map((t, i) => (
            <button
              key={t.id}
              ref={(el) => {
                tabRefs.current[t.id] = el;
              }}
              type="button"
              role="tab"
              id={`console-tab-${t.id}`}
              class={s.tab}
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
        <div class={s.panel} role="tabpanel" id={`console-panel-${tab}`} aria-labelledby={`console-tab-${tab}`} tabIndex={0}>
          <Shown auto={auto} trailId={trailId} showTrail={(id) => go('trail', id ? { id } : {})} />
        </div>
      </div>
    </Page>
  );
}
