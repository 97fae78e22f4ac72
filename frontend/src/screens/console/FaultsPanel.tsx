/** Faults: switches that make SES throttle or reject, DynamoDB throttle, or a function fail its next runs. */
import { useState } from 'preact/hooks';
import { Badge } from '../../components/Badges';
import { FormError } from '../../components/FormError';
import { SelectField } from '../../components/SelectField';
import { useLocalData } from '../../hooks/useLocalData';
import { useSubmit } from '../../hooks/useSubmit';
import { localJson, type Faults, type LocalFunction } from '../../localApi';
import { NotAvailable, Panel } from './Panel';
import s from './style.module.css';
import type { PanelProps } from './tabs';
import { anyFaultOn, FAULT_MODES, faultBody, injectedSummary, switchSummary, type AwsFault } from './tools';

const TITLES: Record<AwsFault, string> = { ses: 'SES sends', dynamodb: 'DynamoDB item operations' };

function AwsSwitch({ kind, faults, onChanged }: { kind: AwsFault; faults: Faults; onChanged: () => void }) {
  const [mode, setMode] = useState(faults[kind].mode === 'off' ? 'throttle' : faults[kind].mode);
  const [rate, setRate] = useState('');
  const [count, setCount] = useState('');
  const put = useSubmit<never, Faults>();
  const apply = (wanted: string) =>
    put.handler({
      send: async () => {
        const request = faultBody(wanted, rate, count);
        if ('error' in request) throw new Error(request.error);
        const answer = await localJson<Faults>(`/faults/${kind}`, { method: 'PUT', body: request.body });
        onChanged();
        return answer;
      },
    });
  const on = faults[kind].mode !== 'off';

  return (
    <section class={`card ${s.dlq}`} aria-label={TITLES[kind]} data-testid={`console-fault-${kind}`}>
      <div class={s.head}>
        <h3>{TITLES[kind]}</h3>
        <Badge tone={on ? 'danger' : 'muted'} testid={`console-fault-${kind}-state`}>
          {switchSummary(faults[kind])}
        </Badge>
      </div>
      <div class={s.tools}>
        <SelectField
          id={`console-fault-${kind}-mode`}
          label="Fault"
          value={mode}
          options={FAULT_MODES[kind].filter((o) => o.value !== 'off')}
          onValue={setMode}
        />
        <label class="small">
          Share of calls (%)
          <input class="input" inputMode="decimal" value={rate} placeholder="100" onInput={(e) => setRate(e.currentTarget.value)} data-testid={`console-fault-${kind}-rate`} />
        </label>
        <label class="small">
          How many (empty: until off)
          <input class="input" inputMode="numeric" value={count} onInput={(e) => setCount(e.currentTarget.value)} data-testid={`console-fault-${kind}-count`} />
        </label>
      </div>
      <div class={s.tools}>
        <button type="button" class="btn btn--small btn--danger-outline" onClick={apply(mode)} disabled={put.sending} data-testid={`console-fault-${kind}-on`}>
          Switch on
        </button>
        <button type="button" class="btn btn--small" onClick={apply('off')} disabled={put.sending || !on} data-testid={`console-fault-${kind}-off`}>
          Switch off
        </button>
      </div>
      <FormError error={put.error} testid={`console-fault-${kind}-error`} />
    </section>
  );
}

function FunctionSwitch({ faults, onChanged }: { faults: Faults; onChanged: () => void }) {
  const f = useLocalData<LocalFunction[]>('/functions', { auto: false });
  const functions = f.data ?? [];
  const [chosen, setChosen] = useState('');
  const [times, setTimes] = useState('1');
  const put = useSubmit<never, Faults>();
  const target = chosen || functions[0]?.logical_id || '';
  const onFail = put.handler({
    send: async () => {
      const n = Number(times);
      if (!Number.isInteger(n) || n < 0) throw new Error('How many is a whole number (0 clears it).');
      const answer = await localJson<Faults>(`/faults/functions/${encodeURIComponent(target)}`, { method: 'PUT', body: { fail_next: n } });
      onChanged();
      return answer;
    },
  });
  const pending = Object.entries(faults.functions);

  return (
    <section class={`card ${s.dlq}`} aria-label="A function fails" data-testid="console-fault-functions">
      <h3>A function fails its next invocations</h3>
      {f.notAvailable ? (
        <NotAvailable what="The function list" />
      ) : (
        <div class={s.tools}>
          <SelectField
            id="console-fault-function"
            label="Function"
            value={target}
            options={functions.map((x) => ({ value: x.logical_id, label: x.logical_id }))}
            onValue={setChosen}
          />
          <label class="small">
            Fail the next
            <input class="input" inputMode="numeric" value={times} onInput={(e) => setTimes(e.currentTarget.value)} data-testid="console-fault-function-count" />
          </label>
          <button type="button" class="btn btn--small btn--danger-outline" onClick={onFail} disabled={put.sending || !target} data-testid="console-fault-function-apply">
            Fail
          </button>
        </div>
      )}
      {pending.length > 0 && (
        <ul class="small" data-testid="console-fault-function-pending">
          {pending.map(([name, left]) => (
            <li key={name}>
              <code>{name}</code>: {left} more to fail
            </li>
          ))}
        </ul>
      )}
      <FormError error={put.error} testid="console-fault-function-error" />
    </section>
  );
}

export function FaultsPanel({ auto }: PanelProps) {
  const f = useLocalData<Faults>('/faults', { auto, intervalMs: 1000 });
  const clear = useSubmit<never, Faults>();
  const onClear = clear.handler({
    send: async () => {
      const answer = await localJson<Faults>('/faults', { method: 'DELETE' });
      f.refresh();
      return answer;
    },
  });

  if (f.notAvailable) return <NotAvailable what="Fault switches" />;
  const faults = f.data;
  return (
    <Panel title="Faults" source={f}>
      <p class="muted small">
        The app’s and the functions’ AWS calls get AWS’s own errors, so boto3 retries and the workers recover as they would in AWS;
        the embedded cloud’s own requests (its pollers) are never refused.
      </p>
      {faults && (
        <>
          <div class={s.tools}>
            <p class={anyFaultOn(faults) ? 'alert alert--error' : 'muted small'} data-testid="console-faults-injected" role="status">
              Injected: {injectedSummary(faults)}
            </p>
            <button type="button" class="btn btn--small" onClick={onClear} disabled={clear.sending || !anyFaultOn(faults)} data-testid="console-faults-clear">
              Switch everything off
            </button>
          </div>
          <AwsSwitch kind="ses" faults={faults} onChanged={f.refresh} />
          <AwsSwitch kind="dynamodb" faults={faults} onChanged={f.refresh} />
          <FunctionSwitch faults={faults} onChanged={f.refresh} />
        </>
      )}
      <FormError error={clear.error} testid="console-faults-error" />
    </Panel>
  );
}
