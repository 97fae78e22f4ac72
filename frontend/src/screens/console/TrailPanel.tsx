/** Trail: everything one correlation id caused (API call, functions, events, deliveries, pushes, mail), in order;
 * a delivery can be replayed or saved as a fixture. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { FormError } from '../../components/FormError';
import { useLocalData } from '../../hooks/useLocalData';
import { useSubmit } from '../../hooks/useSubmit';
import { asList, localJson } from '../../localApi';
import { TrailCost } from './MeterPanel';
import { NotAvailable, Updated } from './Panel';
import s from './style.module.css';
import type { PanelProps } from './tabs';
import { replaySummary, type ReplayResult } from './tools';
import { TrailList } from './TrailList';

export function TrailPanel({ auto, trailId: id, showTrail }: PanelProps) {
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
  const replay = useSubmit<never, ReplayResult>();
  const entryPath = (entryId: string) => `/trail/${encodeURIComponent(id)}/entries/${encodeURIComponent(entryId)}`;
  const actions = {
    busy: replay.sending,
    fixtureHref: (entryId: string) => `/_local${entryPath(entryId)}/fixture`,
    replay: (entryId: string) =>
      replay.handler({
        send: async () => {
          const result = await localJson<ReplayResult>(`${entryPath(entryId)}/replay`, { method: 'POST' });
          t.refresh();
          return result;
        },
      })(),
  };

  return (
    <>
      <div class={s.head}>
        <h2>Trail</h2>
        {id && <Updated at={t.updatedAt} loading={t.loading} onRefresh={t.refresh} />}
      </div>
      <form
        class={s.tools}
        onSubmit={(e) => {
          e.preventDefault();
          showTrail(text.trim());
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
      {replay.result && (
        <p class="saved" role="status" data-testid="console-trail-replayed">
          {replaySummary(replay.result)}
        </p>
      )}
      <FormError error={replay.error} testid="console-trail-replay-error" />
      {id && <TrailCost id={id} auto={auto} />}
      {entries.length > 0 && <TrailList entries={entries} testid="console-trail" actions={actions} />}
    </>
  );
}
