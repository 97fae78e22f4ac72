import { describe, expect, it } from 'vitest';

// Every module of the SPA as text, by path relative to src/ (e.g. "screens/list/index.tsx").
const sources = Object.fromEntries(
  Object.entries(import.meta.glob<string>('../src/**/*.{ts,tsx}', { query: '?raw', import: 'default', eager: true })).map(
    ([path, text]) => [path.replace('../src/', ''), text],
  ),
);

/** The modules a file imports, as paths relative to src/ (without extension). */
function importsOf(path: string): string[] {
  const dir = path.split('/').slice(0, -1);
  return [...sources[path]!.matchAll(/from '(\.[^']+)'/g)].map(([, spec]) => {
    const parts = [...dir];
    for (const step of spec!.split('/')) {
      if (step === '..') parts.pop();
      else if (step !== '.') parts.push(step);
    }
    return parts.join('/');
  });
}

/** The screen a module belongs to: `screens/<folder>` or `screens/<File>`; null outside screens/. */
function screenOf(path: string): string | null {
  const [top, name] = path.split('/');
  if (top !== 'screens' || !name) return null;
  return `screens/${name.replace(/\.tsx?$/, '')}`;
}

describe('the SPA keeps its shape', () => {
  it('sees the modules it checks', () => {
    expect(Object.keys(sources)).toContain('screens/console/index.tsx');
    expect(Object.keys(sources)).toContain('components/DataTable.tsx');
  });

  it('no screen imports another screen', () => {
    const crossings = Object.keys(sources).flatMap((path) => {
      const own = screenOf(path);
      return importsOf(path)
        .filter((target) => screenOf(target) !== null && screenOf(target) !== own && path !== 'App.tsx')
        .map((target) => `${path} → ${target}`);
    });
    expect(crossings).toEqual([]);
  });

  it('components and hooks do not reach into screens', () => {
    const upward = Object.keys(sources)
      .filter((path) => path.startsWith('components/') || path.startsWith('hooks/'))
      .flatMap((path) => importsOf(path).filter((target) => target.startsWith('screens/')).map((target) => `${path} → ${target}`));
    expect(upward).toEqual([]);
  });

  it('every table is a DataTable and every form submits through useSubmit', () => {
    const handWritten = Object.keys(sources).filter(
      (path) => path.startsWith('screens/') && (/<table\b/.test(sources[path]!) || /useState\(false\)[\s\S]*setSending/.test(sources[path]!)),
    );
    expect(handWritten).toEqual([]);
  });
});
