/** The dev console's tabs: their ids (the `?tab=` of /_local) and labels, in order. */

export const CONSOLE_TABS = [
  { id: 'resources', label: 'Resources' },
  { id: 'queues', label: 'Queues' },
  { id: 'events', label: 'Events' },
  { id: 'outbox', label: 'Outbox' },
  { id: 'executions', label: 'Executions' },
  { id: 'trail', label: 'Trail' },
  { id: 'faults', label: 'Faults' },
  { id: 'permissions', label: 'Permissions' },
  { id: 'meter', label: 'Meter' },
  { id: 'browse', label: 'Browse' },
  { id: 'schedules', label: 'Schedules' },
  { id: 'snapshots', label: 'Snapshots' },
] as const;

export type ConsoleTab = (typeof CONSOLE_TABS)[number]['id'];

/** The tab named in the URL, or the first one for anything else. */
export function consoleTab(value: string | null): ConsoleTab {
  return CONSOLE_TABS.some((t) => t.id === value) ? (value as ConsoleTab) : 'resources';
}

/** What every panel is given by the console. */
export interface PanelProps {
  /** refresh every 2 s while the page is visible */
  auto: boolean;
  /** the correlation id in the URL (`?id=`), '' when none */
  trailId: string;
  /** open the Trail tab for a correlation id ('' = the tab without one) */
  showTrail: (id: string) => void;
}
