/**
 * What Herald costs in AWS, beside a classical always-on setup: two or three inputs, a stacked
 * bar by service, computed in the browser from the price table and the calibrated coefficients.
 * Public (no login).
 */
import { useState } from 'preact/hooks';
import { Field } from '../../components/Field';
import { Page } from '../../components/Page';
import { estimate, MODEL, PRICES, SES, workloadError, type Workload } from './model';
import style from './style.module.css';

const COLOURS = ['#4338ca', '#0e9384', '#dc6803', '#7a5af8', '#d92d20', '#1570ef', '#66c61c', '#c11574', '#667085', '#f79009', '#444ce7'];

function usd(value: number, places = 2): string {
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: places, maximumFractionDigits: places })}`;
}

/** The workload the inputs describe (engagement typed as a percentage). */
export function parseWorkload(subscribers: string, campaigns: string, engagement: string): Workload {
  return { subscribers: Number(subscribers), campaigns: Number(campaigns), engagement: Number(engagement) / 100 };
}

function StackedBar({ label, parts, scale, total, testid, colours }: { label: string; parts: [string, number][]; scale: number; total: number; testid: string; colours: Map<string, string> }) {
  return (
    <div class={style.barRow}>
      <span>{label}</span>
      <div class={style.bar} role="img" aria-label={`${label}: ${parts.map(([name, value]) => `${name} ${usd(value)}`).join(', ')}`} data-testid={`${testid}-bar`}>
        {parts.map(([name, value]) => (
          <span key={name} class={style.segment} title={`${name}: ${usd(value)}`} data-service={name} style={{ width: `${scale ? (value / scale) * 100 : 0}%`, background: colours.get(name) }} />
        ))}
      </div>
      <strong data-testid={`${testid}-total`}>{usd(total)}</strong>
    </div>
  );
}

export function CostScreen() {
  const [subscribers, setSubscribers] = useState('100000');
  const [campaigns, setCampaigns] = useState('4');
  const [engagement, setEngagement] = useState('0');
  const workload = parseWorkload(subscribers, campaigns, engagement);
  const error = workloadError(workload);
  const result = error ? null : estimate(workload);
  const herald = result ? (Object.entries(result.services).map(([name, line]) => [name, line.usd]) as [string, number][]).sort((a, b) => b[1] - a[1]) : [];
  const classical = result ? (Object.entries(result.classical.services) as [string, number][]) : [];
  const names = [...new Set([...herald.map(([n]) => n), ...classical.map(([n]) => n)])];
  const colours = new Map(names.map((name, i) => [name, COLOURS[i % COLOURS.length]!]));
  const scale = result ? Math.max(result.total_usd, result.classical.total_usd) : 0;
  return (
    <Page title="What it costs">
      <p>
        Herald's monthly AWS bill for your audience, from request counts measured on the embedded cloud and AWS's list prices (us-east-1, arm64), beside a classical always-on server
        setup sending through the same SES.
      </p>
      <form class={`card ${style.inputs}`} onSubmit={(e) => e.preventDefault()} aria-label="Workload">
        <Field id="cost-subscribers" label="Subscribers" type="number" min="0" step="1" inputMode="numeric" value={subscribers} onValue={setSubscribers} />
        <Field id="cost-campaigns" label="Campaigns a month" type="number" min="0" step="1" inputMode="numeric" value={campaigns} onValue={setCampaigns} hint="Each to every subscriber." />
        <Field id="cost-engagement" label="Engagement (%)" type="number" min="0" max="100" step="any" value={engagement} onValue={setEngagement} hint="Emails opened or clicked." />
      </form>
      {error && (
        <p class="field__error" role="alert" data-testid="cost-error">
          {error}
        </p>
      )}
      {result && (
        <section class="card" aria-label="Monthly cost">
          <p data-testid="cost-emails">{result.emails.toLocaleString('en-US')} emails a month</p>
          <div class={style.bars}>
            <StackedBar label="Herald" parts={herald} scale={scale} total={result.total_usd} testid="cost-herald" colours={colours} />
            <StackedBar label="Classical" parts={classical} scale={scale} total={result.classical.total_usd} testid="cost-classical" colours={colours} />
          </div>
          <ul class={style.legend}>
            {names.map((name) => (
              <li key={name}>
                <span class={style.swatch} style={{ background: colours.get(name) }} />
                {name}
              </li>
            ))}
          </ul>
          <h2>Herald by service</h2>
          <dl class={style.figures}>
            {herald.map(([name, value]) => (
              <>
                <dt key={`${name}-name`}>{name}</dt>
                <dd key={`${name}-usd`} data-testid={`cost-service-${name.replace(/\s+/g, '-').toLowerCase()}`}>
                  {usd(value)}
                </dd>
              </>
            ))}
            <dt>After the free tier</dt>
            <dd data-testid="cost-after-free-tier">{usd(result.total_after_free_tier_usd)}</dd>
          </dl>
          <h2>Per 1,000 emails</h2>
          <dl class={style.figures}>
            <dt>Herald's own AWS usage</dt>
            <dd data-testid="cost-per-1000-herald">{usd(result.per_1000_emails.herald_aws_usd, 4)}</dd>
            <dt>{SES}</dt>
            <dd data-testid="cost-per-1000-ses">{usd(result.per_1000_emails.ses_usd, 2)}</dd>
          </dl>
          <p class={style.note}>
            Classical: {result.classical.setup} Prices transcribed {PRICES.transcribed_on}; coefficients measured {MODEL.measured_on ?? 'locally'}.
          </p>
        </section>
      )}
    </Page>
  );
}
