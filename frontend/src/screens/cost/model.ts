/**
 * Herald's monthly AWS cost for a workload, computed in the browser: the same arithmetic as
 * pricing/model.py (keep them together), over the same price table and calibrated coefficients.
 */
import pricesText from '../../../../pricing/prices.json?raw';
import modelText from '../../../../bench/results/cost_model.json?raw';

export interface PriceLine {
  service: string;
  usd: number;
  per: number;
  unit: string;
  source: string;
}

export interface ClassicalLine {
  name: string;
  service: string;
  usd: number;
  per: string;
  quantity?: number;
  source: string;
}

export interface Prices {
  transcribed_on: string;
  note: string;
  prices: Record<string, PriceLine>;
  free_tier: Record<string, { amount: number; kind: string; source: string }>;
  classical: { setup: string; hours_per_month: number; lines: ClassicalLine[] };
}

export interface CostModel {
  measured_on?: string;
  per_email: Record<string, number>;
  per_campaign: Record<string, number>;
  per_engagement_event: Record<string, number>;
  per_imported_subscriber: Record<string, number>;
  stored_bytes_per_subscriber: number;
}

export interface Workload {
  subscribers: number;
  campaigns: number;
  engagement: number;
}

export interface Estimate {
  emails: number;
  services: Record<string, { usd: number; usd_after_free_tier: number }>;
  total_usd: number;
  total_after_free_tier_usd: number;
  herald_aws_usd: number;
  ses_usd: number;
  per_1000_emails: { herald_aws_usd: number; ses_usd: number };
  classical: { setup: string; services: Record<string, number>; total_usd: number };
}

/** The share of the audience added by imports each month (pricing/model.py's GROWTH). */
export const GROWTH = 0.05;
const GIB = 1024 ** 3;
export const SES = 'SES';

export const PRICES: Prices = JSON.parse(pricesText) as Prices;
export const MODEL: CostModel = JSON.parse(modelText) as CostModel;

/** Python's round(x, 4) for the figures the calculator shows (ties are not a concern at this precision). */
export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** A workload's problem, or null when it can be priced. */
export function workloadError(w: Workload): string | null {
  if (!Number.isInteger(w.subscribers) || w.subscribers < 0) return 'Subscribers must be a whole number, 0 or more.';
  if (!Number.isInteger(w.campaigns) || w.campaigns < 0) return 'Campaigns must be a whole number, 0 or more.';
  if (!(w.engagement >= 0 && w.engagement <= 1)) return 'Engagement is a share between 0 and 100%.';
  return null;
}

/** Billed units of each meter in a month, plus the table's GB-months of storage. */
export function monthlyUnits(w: Workload, model: CostModel = MODEL): Record<string, number> {
  const emails = w.subscribers * w.campaigns;
  const units: Record<string, number> = {};
  const add = (coefficients: Record<string, number>, times: number) => {
    for (const [name, value] of Object.entries(coefficients)) units[name] = (units[name] ?? 0) + value * times;
  };
  add(model.per_email, emails);
  add(model.per_campaign, w.campaigns);
  add(model.per_engagement_event, emails * w.engagement);
  add(model.per_imported_subscriber, w.subscribers * GROWTH);
  units.dynamodb_storage_gb_months = (w.subscribers * model.stored_bytes_per_subscriber) / GIB;
  return units;
}

/** The month's cost by service (with and without the free tier) and the classical setup's. */
export function estimate(w: Workload, prices: Prices = PRICES, model: CostModel = MODEL): Estimate {
  const units = monthlyUnits(w, model);
  const services: Record<string, { usd: number; usd_after_free_tier: number }> = {};
  for (const name of Object.keys(units).sort()) {
    const quantity = units[name]!;
    const price = prices.prices[name];
    if (!price) throw new Error(`the price table has no line for ${name}`);
    const allowance = prices.free_tier[name]?.amount ?? 0;
    const line = (services[price.service] ??= { usd: 0, usd_after_free_tier: 0 });
    line.usd += (quantity * price.usd) / price.per;
    line.usd_after_free_tier += (Math.max(0, quantity - allowance) * price.usd) / price.per;
  }
  const total = Object.values(services).reduce((sum, line) => sum + line.usd, 0);
  const afterFree = Object.values(services).reduce((sum, line) => sum + line.usd_after_free_tier, 0);
  const ses = services[SES]?.usd ?? 0;
  const emails = w.subscribers * w.campaigns;
  const rounded = Object.fromEntries(
    Object.entries(services).map(([name, line]) => [name, { usd: round4(line.usd), usd_after_free_tier: round4(line.usd_after_free_tier) }]),
  );
  return {
    emails,
    services: rounded,
    total_usd: round4(total),
    total_after_free_tier_usd: round4(afterFree),
    herald_aws_usd: round4(total - ses),
    ses_usd: round4(ses),
    per_1000_emails: {
      herald_aws_usd: emails ? round4(((total - ses) / emails) * 1000) : 0,
      ses_usd: emails ? round4((ses / emails) * 1000) : 0,
    },
    classical: classicalSetup(prices, ses),
  };
}

/** The always-on setup's month: hourly lines for every hour, the rest by quantity, plus the same SES. */
export function classicalSetup(prices: Prices, sesUsd: number): Estimate['classical'] {
  const setup = prices.classical;
  const services: Record<string, number> = {};
  for (const line of setup.lines) {
    const quantity = line.per === 'hour' ? setup.hours_per_month : (line.quantity ?? 1);
    services[line.service] = round4((services[line.service] ?? 0) + round4(line.usd * quantity));
  }
  services[SES] = round4(sesUsd);
  return { setup: setup.setup, services, total_usd: round4(Object.values(services).reduce((a, b) => a + b, 0)) };
}
