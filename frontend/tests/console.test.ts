import { describe, expect, it } from 'vitest';
import { byService, usd } from '../src/screens/console/MeterPanel';
import { redriveSummary } from '../src/screens/console/redrive';
import { consoleTab, CONSOLE_TABS } from '../src/screens/console/tabs';
import {
  anyFaultOn,
  faultBody,
  formatBytes,
  injectedSummary,
  replaySummary,
  snapshotNameError,
  switchSummary,
} from '../src/screens/console/tools';

describe('dev console helpers', () => {
  it('reads the tab from the query, defaulting to resources', () => {
    expect(CONSOLE_TABS.map((t) => t.id)).toEqual([
      'resources',
      'queues',
      'events',
      'outbox',
      'executions',
      'trail',
      'faults',
      'permissions',
      'meter',
      'browse',
      'schedules',
      'snapshots',
    ]);
    expect(consoleTab('faults')).toBe('faults');
    expect(consoleTab('permissions')).toBe('permissions');
    expect(consoleTab('outbox')).toBe('outbox');
    expect(consoleTab(null)).toBe('resources');
    expect(consoleTab('nonsense')).toBe('resources');
  });

  it('says what a redrive did', () => {
    expect(redriveSummary({ moved: 3, requeued: 3, reinvoked: 0, to_queue: 'herald-local-import' })).toBe(
      'Redriven: 3 back to herald-local-import.',
    );
    expect(redriveSummary({ moved: 2, requeued: 0, reinvoked: 2, functions: ['SendWelcomeEmail'] })).toBe(
      'Redriven: 2 re-invoked (SendWelcomeEmail).',
    );
    expect(redriveSummary({ moved: 0 })).toBe('Nothing to move.');
  });

  it('turns a fault form into its switch, or says why not', () => {
    expect(faultBody('throttle', '', '')).toEqual({ body: { mode: 'throttle', rate: 1, count: null } });
    expect(faultBody('reject', '25', '3')).toEqual({ body: { mode: 'reject', rate: 0.25, count: 3 } });
    expect(faultBody('throttle', '0', '')).toHaveProperty('error');
    expect(faultBody('throttle', '101', '')).toHaveProperty('error');
    expect(faultBody('throttle', '50', '1.5')).toHaveProperty('error');
  });

  it('describes switches and what they injected', () => {
    const off = { mode: 'off', rate: 1, remaining: null };
    const faults = { ses: { mode: 'throttle', rate: 0.5, remaining: 2 }, dynamodb: off, functions: {}, injected: {} };
    expect(switchSummary(faults.ses)).toBe('Throttle, 50% of calls, 2 more');
    expect(switchSummary(off)).toBe('Off');
    expect(anyFaultOn(faults)).toBe(true);
    expect(anyFaultOn({ ...faults, ses: off })).toBe(false);
    expect(injectedSummary(faults)).toBe('Nothing injected yet.');
    expect(injectedSummary({ ...faults, injected: { ses: 3, 'function:Sender': 2 } })).toBe('ses 3 · Sender 2');
  });

  it('checks snapshot names, sizes and replays in words', () => {
    expect(snapshotNameError('seed')).toBeNull();
    expect(snapshotNameError('before-import_2.1')).toBeNull();
    expect(snapshotNameError('')).toMatch(/name/);
    expect(snapshotNameError('../x')).toMatch(/Letters/);
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(86126120)).toBe('86.1 MB');
    expect(replaySummary({ replayed: 'a', kind: 'stream-record', function: 'OnTableChange', ok: true })).toBe(
      'Delivered again to OnTableChange.',
    );
    expect(replaySummary({ replayed: 'a', kind: 'task-callback', ok: false, error: { Code: 'TaskTimedOut' } })).toBe(
      'Delivered again; it failed: TaskTimedOut',
    );
  });

  it('prices metered work as AWS bills it: cents when they are reached, else two significant digits', () => {
    expect(usd(0)).toBe('$0');
    expect(usd(1.234)).toBe('$1.23');
    expect(usd(0.000123456)).toBe('$0.00012');
    const cost = { services: { DynamoDB: 0.0003, SES: 0.01, SQS: 0 }, total_usd: 0.0103, prices_transcribed_on: 'x' };
    expect(byService(cost)).toBe('SES $0.01 · DynamoDB $0.00030');
  });
});
