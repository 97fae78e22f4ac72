/**
 * Opens and clicks beside the delivery results: counts and rates (over delivered), machine opens
 * apart with what Apple Mail Privacy Protection does to opens, a chart per hour and the most
 * clicked links. Hours and links are fetched again whenever the counters move (a live
 * `campaign.progress` push or a poll), so a click shows up without a reload.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type CampaignStats, type EngagementHour, type LinkList, type LinkStats } from '../../api';
import { DataTable, type Column } from '../../components/DataTable';
import { formatCount } from '../../format';
import s from './style.module.css';

const HOURS_SHOWN = 100; // one page of the series: about four days of hours with engagement

function percent(r: number): string {
  return `${(r * 100).toFixed(1)}%`;
}

const LINK_COLUMNS: Column<LinkStats>[] = [
  { header: 'Link', class: 'cell--wrap cell--mono', testid: 'campaign-link-url', cell: (l) => l.url },
  { header: 'Clicks', num: true, testid: 'campaign-link-clicks', cell: (l) => formatCount(l.clicks) },
  { header: 'Unique', num: true, testid: 'campaign-link-unique', cell: (l) => formatCount(l.unique_clicks) },
];

function Figure({ label, value, detail, testid }: { label: string; value: string; detail: string; testid: string }) {
  return (
    <div class={s.figure}>
      <dt>{label}</dt>
      <dd data-testid={testid} data-value={value}>
        <strong>{value}</strong> <span class="muted small">{detail}</span>
      </dd>
    </div>
  );
}

const CHART_W = 480;
const CHART_H = 120;

/** Opens and clicks per hour as paired columns on one scale (hours without any are left out). */
function HoursChart({ hours }: { hours: EngagementHour[] }) {
  if (hours.length === 0) return <p class="muted small">No opens or clicks yet.</p>;
  const max = Math.max(1, ...hours.map((h) => Math.max(h.opens, h.clicks)));
  const slot = CHART_W / hours.length;
  const bar = Math.max(1, slot / 2 - 1);
  const height = (v: number) => (v / max) * CHART_H;
  const summary = hours.map((h) => `${h.hour.slice(0, 13)}h: ${h.opens} opens, ${h.clicks} clicks`).join('; ');
  return (
    <svg class={s.chart} viewBox={`0 0 ${CHART_W} ${CHART_H + 18}`} role="img" aria-label={`Per hour: ${summary}`} data-testid="campaign-engagement-chart">
      {hours.map((h, i) => (
        <g key={h.hour} transform={`translate(${i * slot} 0)`}>
          <rect x={0} y={CHART_H - height(h.opens)} width={bar} height={height(h.opens)} class={s.chartBar} data-key="opens" />
          <rect x={bar + 1} y={CHART_H - height(h.clicks)} width={bar} height={height(h.clicks)} class={s.chartBar} data-key="clicks" />
        </g>
      ))}
      <text x={0} y={CHART_H + 14} class={s.chartAxis}>
        {new Date(hours[0]!.hour).toLocaleString()}
      </text>
      <text x={CHART_W} y={CHART_H + 14} text-anchor="end" class={s.chartAxis}>
        max {formatCount(max)} an hour
      </text>
    </svg>
  );
}

export function Engagement({ campaignId, stats, track }: { campaignId: string; stats: CampaignStats; track: boolean }) {
  const [links, setLinks] = useState<LinkList | null>(null);
  const [hours, setHours] = useState<EngagementHour[]>([]);
  const moved = `${stats.opens}|${stats.machine_opens}|${stats.clicks}`;

  useEffect(() => {
    let cancelled = false;
    Promise.all([api.campaignLinks(campaignId), api.campaignEngagement(campaignId, { limit: HOURS_SHOWN })])
      .then(([l, h]) => {
        if (cancelled) return;
        setLinks(l);
        setHours(h.items);
      })
      .catch(() => undefined); // the counters above still show; the next move tries again
    return () => {
      cancelled = true;
    };
  }, [campaignId, moved]);

  return (
    <section class="card" aria-labelledby="campaign-engagement-heading" data-testid="campaign-engagement">
      <h2 id="campaign-engagement-heading">Opens and clicks</h2>
      {!track && (
        <p class="muted small" data-testid="campaign-untracked">
          Tracking is off for this campaign: no pixel, no rewritten links, so no opens or clicks are counted.
        </p>
      )}
      <dl class={s.figures}>
        <Figure label="Opened" value={formatCount(stats.unique_opens)} detail={`${percent(stats.open_rate)} of delivered · ${formatCount(stats.opens)} opens`} testid="campaign-unique-opens" />
        <Figure label="Clicked" value={formatCount(stats.unique_clicks)} detail={`${percent(stats.click_rate)} of delivered · ${formatCount(stats.clicks)} clicks`} testid="campaign-unique-clicks" />
        <Figure label="Machine opens" value={formatCount(stats.machine_opens)} detail="counted apart" testid="campaign-machine-opens" />
      </dl>
      <p class="muted small" data-testid="campaign-mpp-note">
        Opens are approximate. Apple Mail Privacy Protection loads the images of every message delivered to Apple Mail, read or not: those loads are
        counted as machine opens, not opens, and the real opens of Apple Mail readers cannot be told from them. Other mail scanners inflate opens.
        Clicks are the surer sign.
      </p>
      <HoursChart hours={hours} />
      <h3>Top links</h3>
      <DataTable
        columns={LINK_COLUMNS}
        rows={links?.items ?? []}
        rowKey={(l) => l.url}
        label="Top links"
        testid="campaign-links-table"
        emptyTestid="campaign-links-empty"
        rowTestid="campaign-link-row"
        empty={links ? 'No clicks yet.' : 'Loading…'}
        dense
      />
      {links?.truncated && <p class="muted small">The most clicked of many links are shown.</p>}
    </section>
  );
}
