import { describe, expect, it } from 'vitest';
import { classicalSetup, estimate, monthlyUnits, workloadError, type CostModel, type Prices } from '../src/screens/cost/model';
import { parseWorkload } from '../src/screens/cost';

const prices: Prices = {
  transcribed_on: '2026-12-02',
  note: '',
  prices: {
    ses_messages: { service: 'SES', usd: 0.1, per: 1000, unit: 'messages', source: 'x' },
    dynamodb_write_units: { service: 'DynamoDB', usd: 0.625, per: 1_000_000, unit: 'WRU', source: 'x' },
    dynamodb_storage_gb_months: { service: 'DynamoDB', usd: 0.25, per: 1, unit: 'GB-month', source: 'x' },
    lambda_requests: { service: 'Lambda', usd: 0.2, per: 1_000_000, unit: 'requests', source: 'x' },
  },
  free_tier: { lambda_requests: { amount: 1_000_000, kind: 'always', source: 'x' } },
  classical: {
    setup: 'A server.',
    hours_per_month: 730,
    lines: [
      { name: 'EC2', service: 'EC2', usd: 0.01, per: 'hour', source: 'x' },
      { name: 'Disk', service: 'EC2', usd: 0.08, per: 'GB-month', quantity: 20, source: 'x' },
    ],
  },
};

const model: CostModel = {
  per_email: { ses_messages: 1, dynamodb_write_units: 4, lambda_requests: 0.5 },
  per_campaign: { lambda_requests: 10 },
  per_engagement_event: { dynamodb_write_units: 2 },
  per_imported_subscriber: { dynamodb_write_units: 2 },
  stored_bytes_per_subscriber: 1024 ** 3 / 1_000_000, // a million subscribers store 1 GiB
};

describe('the cost calculator', () => {
  it('multiplies the coefficients by the month: emails, campaigns, engagement, growth and storage', () => {
    // Given 1,000,000 subscribers, 2 campaigns, 10% engagement
    const units = monthlyUnits({ subscribers: 1_000_000, campaigns: 2, engagement: 0.1 }, model);
    // Then 2M emails: 2M SES messages; writes 4 per email + 2 per engaged email + 2 per new subscriber (5%)
    expect(units.ses_messages).toBe(2_000_000);
    expect(units.dynamodb_write_units).toBe(8_000_000 + 400_000 + 100_000);
    expect(units.lambda_requests).toBe(1_000_000 + 20);
    expect(units.dynamodb_storage_gb_months).toBeCloseTo(1, 10);
  });

  it('prices each service, with and without the free tier, and keeps SES apart per 1,000 emails', () => {
    const result = estimate({ subscribers: 1_000_000, campaigns: 2, engagement: 0.1 }, prices, model);
    expect(result.services.SES!.usd).toBe(200);
    expect(result.services.DynamoDB!.usd).toBe(round4(8.5 * 0.625 + 0.25));
    expect(result.services.Lambda!.usd).toBe(round4(1.00002 * 0.2));
    expect(result.services.Lambda!.usd_after_free_tier).toBe(round4(20 * 0.2 / 1_000_000));
    expect(result.herald_aws_usd).toBe(round4(result.total_usd - 200));
    expect(result.per_1000_emails.ses_usd).toBe(0.1);
    expect(result.per_1000_emails.herald_aws_usd).toBe(round4((result.herald_aws_usd / 2_000_000) * 1000));
  });

  it('prices the classical setup by the hour and the month, with the same SES', () => {
    const classical = classicalSetup(prices, 200);
    expect(classical.services).toEqual({ EC2: 7.3 + 1.6, SES: 200 });
    expect(classical.total_usd).toBe(208.9);
  });

  it('refuses what cannot be priced', () => {
    expect(workloadError(parseWorkload('-1', '4', '0'))).toMatch(/Subscribers/);
    expect(workloadError(parseWorkload('10', '1.5', '0'))).toMatch(/Campaigns/);
    expect(workloadError(parseWorkload('10', '4', '130'))).toMatch(/Engagement/);
    expect(workloadError(parseWorkload('10', '4', '30'))).toBeNull();
  });

  it('prices the real table and coefficients without a missing line', () => {
    const result = estimate({ subscribers: 100_000, campaigns: 4, engagement: 0 });
    expect(result.emails).toBe(400_000);
    expect(result.ses_usd).toBeCloseTo(40, 1);
    expect(result.total_usd).toBeGreaterThan(result.ses_usd);
  });
});

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
