// @vitest-environment happy-dom
/**
 * The console's tab list by keyboard, with animation frames that never come (a starved machine
 * draws late): focus and selection must not wait for one.
 */
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { navigate, useLocation } from '../src/router';
import { ConsoleScreen } from '../src/screens/console';

let root: HTMLElement;

beforeEach(() => {
  root = document.createElement('div');
  document.body.appendChild(root);
  window.history.replaceState(null, '', '/_local?tab=queues');
  vi.stubGlobal('requestAnimationFrame', () => 0); // no frame is ever drawn
  vi.stubGlobal('fetch', () => new Promise(() => {})); // the panels' data never answers
});

afterEach(() => {
  render(null, root);
  root.remove();
  vi.unstubAllGlobals();
});

const tab = (id: string) => root.querySelector<HTMLElement>(`[data-testid="console-tab-${id}"]`)!;
const selected = () => root.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]')?.dataset.testid;

/** A key pressed on whatever has focus, and the render it causes. */
async function press(key: string) {
  await act(() => {
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  });
}

describe('console tabs by keyboard', () => {
  it('moves focus with the selection, so the next key acts on the new tab', async () => {
    await act(() => render(<ConsoleScreen />, root));
    tab('queues').focus();
    await press('End');
    expect(selected()).toBe('console-tab-snapshots');
    expect(document.activeElement).toBe(tab('snapshots'));
    await press('ArrowRight'); // wraps around
    expect(selected()).toBe('console-tab-resources');
    expect(document.activeElement).toBe(tab('resources'));
    await press('ArrowLeft');
    expect(selected()).toBe('console-tab-snapshots');
    await press('Home');
    expect(selected()).toBe('console-tab-resources');
    expect(window.location.search).toBe('?tab=resources');
  });

  it('takes a key pressed right after the tabs are shown', async () => {
    render(<ConsoleScreen />, root); // no act: effects waiting for a frame have not run
    tab('queues').focus();
    await press('ArrowRight');
    expect(selected()).toBe('console-tab-events');
    expect(window.location.search).toBe('?tab=events');
  });
});

describe('useLocation', () => {
  it('sees a navigation made before the next frame', async () => {
    function Where() {
      const { path } = useLocation();
      return <p data-testid="where">{path}</p>;
    }
    render(<Where />, root);
    navigate('/elsewhere', { replace: true });
    await act(() => undefined);
    expect(root.textContent).toBe('/elsewhere');
  });
});
