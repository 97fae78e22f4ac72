import { describe, expect, it } from 'vitest';
import { redriveSummary } from '../src/screens/console/redrive';
import { consoleTab, CONSOLE_TABS } from '../src/screens/console/tabs';

describe('dev console helpers', () => {
  it('reads the tab from the query, defaulting to resources', () => {
    expect(CONSOLE_TABS.map((t) => t.id)).toEqual(['resources', 'queues', 'events', 'outbox', 'executions', 'trail']);
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
});
