/** Time-ordered entries: a trail's {time, source, function_name, kind, message, details}, or an execution's history events. */
import { pick } from '../../localApi';
import { JsonDetails } from './Panel';
import s from './style.module.css';
import { Time } from '../../components/Time';

const SOURCE_TONE: Record<string, string> = { api: 'info', worker: 'ok', event: 'warn', push: 'muted', email: 'ok', delivery: 'info' };

/** What a trail can do with a replayable entry (a delivery): deliver it again, or save it as a fixture. */
export interface EntryActions {
  replay: (entryId: string) => void;
  fixtureHref: (entryId: string) => string;
  busy: boolean;
}

function hasContent(detail: unknown): boolean {
  return detail !== undefined && detail !== null && !(typeof detail === 'object' && Object.keys(detail).length === 0);
}

export function TrailList({ entries, testid, actions }: { entries: Record<string, unknown>[]; testid?: string; actions?: EntryActions }) {
  return (
    <ol class={s.trail} data-testid={testid}>
      {entries.map((en, i) => {
        const at = pick(en, ['time', 'at', 'timestamp']);
        const source = pick(en, ['source']);
        const fn = pick(en, ['function_name']);
        const detail = en.details ?? en.detail;
        return (
          <li key={i} class={s.trailEntry} data-testid="console-trail-entry" data-source={source ?? undefined}>
            <div class={s.trailMeta}>
              <Time at={at} class="small cell--mono" />
              {source && <span class={`badge badge--${SOURCE_TONE[source] ?? 'info'}`}>{source}</span>}
              {fn && <span class="small cell--mono">{fn}</span>}
              <span class="small cell--strong">{pick(en, ['kind', 'type']) ?? ''}</span>
            </div>
            <div class={s.trailMsg}>{pick(en, ['message', 'msg', 'summary']) ?? ''}</div>
            {actions && en.replayable === true && typeof en.id === 'string' && (
              <div class={s.tools}>
                <button type="button" class="btn btn--small" onClick={() => actions.replay(en.id as string)} disabled={actions.busy} data-testid="console-trail-replay">
                  Replay
                </button>
                <a class="btn btn--small" href={actions.fixtureHref(en.id)} download data-testid="console-trail-fixture">
                  Save as fixture
                </a>
              </div>
            )}
            {hasContent(detail) && <JsonDetails summary="Details" value={detail} />}
          </li>
        );
      })}
    </ol>
  );
}
