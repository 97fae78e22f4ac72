/** The results as inline SVG bars: delivered, bounced, complained, unsubscribed, failed. */
import type { CampaignStats } from '../../api';
import { CHART_KEYS, chartBars } from '../../campaigns';
import { formatCount, plural } from '../../format';
import s from './style.module.css';

const CHART_LABEL: Record<string, string> = {
  delivered: 'Delivered',
  bounced: 'Bounced',
  complained: 'Complained',
  unsubscribed: 'Unsubscribed',
  failed: 'Failed',
};

const CHART_WIDTH = 360;
const LABEL_W = 110;
const ROW_H = 30;

export function ResultsChart({ stats }: { stats: CampaignStats }) {
  const { bars, max } = chartBars(stats, CHART_WIDTH);
  const height = bars.length * ROW_H + 24;
  const summary = bars.map((b) => `${CHART_LABEL[b.key]} ${b.value}`).join(', ');
  return (
    <section class="card" aria-labelledby="campaign-results-heading">
      <h2 id="campaign-results-heading">Results</h2>
      <svg
        class={s.chart}
        viewBox={`0 0 ${LABEL_W + CHART_WIDTH + 60} ${height}`}
        role="img"
        aria-label={`Results: ${summary}`}
        data-testid="campaign-stats-chart"
      >
        {bars.map((b, i) => (
          <g key={b.key} transform={`translate(0 ${i * ROW_H})`}>
            <text x={LABEL_W - 8} y={ROW_H / 2 + 4} text-anchor="end" class={s.chartLabel}>
              {CHART_LABEL[b.key]}
            </text>
            <rect x={LABEL_W} y={6} width={CHART_WIDTH} height={ROW_H - 12} class={s.chartTrack} />
            <rect
              x={LABEL_W}
              y={6}
              width={b.length}
              height={ROW_H - 12}
              class={s.chartBar}
              data-key={b.key}
              data-testid={`campaign-stat-${b.key}`}
              data-value={b.value}
            />
            <text x={LABEL_W + CHART_WIDTH + 8} y={ROW_H / 2 + 4} class={s.chartValue}>
              {formatCount(b.value)}
            </text>
          </g>
        ))}
        <text x={LABEL_W} y={height - 4} class={s.chartAxis}>
          0
        </text>
        <text x={LABEL_W + CHART_WIDTH} y={height - 4} text-anchor="end" class={s.chartAxis}>
          {formatCount(max)}
        </text>
      </svg>
      <p class="muted small">
        {plural(stats.recipients, 'recipient')}, {formatCount(stats.sent)} mailed
        {stats.suppressed > 0 ? `, ${formatCount(stats.suppressed)} suppressed and skipped` : ''}. Feedback (bounces, complaints) keeps
        arriving after sending.
      </p>
      <ul class="visually-hidden">
        {CHART_KEYS.map((k) => (
          <li key={k}>
            {CHART_LABEL[k]}: {stats[k]}
          </li>
        ))}
      </ul>
    </section>
  );
}
