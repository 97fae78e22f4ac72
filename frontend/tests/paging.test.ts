import { describe, expect, it } from 'vitest';
import { FIRST_PAGE, hasPrevious, pageNumber, popCursor, pushCursor } from '../src/paging';

describe('cursor stack paging', () => {
  it('starts on the first page with nothing to go back to', () => {
    expect(FIRST_PAGE.current).toBeNull();
    expect(hasPrevious(FIRST_PAGE)).toBe(false);
    expect(pageNumber(FIRST_PAGE)).toBe(1);
  });

  it('next pushes the cursor that loaded the page being left', () => {
    const p2 = pushCursor(FIRST_PAGE, 'c2');
    const p3 = pushCursor(p2, 'c3');
    expect(p2).toEqual({ back: [null], current: 'c2' });
    expect(p3).toEqual({ back: [null, 'c2'], current: 'c3' });
    expect(pageNumber(p3)).toBe(3);
    expect(hasPrevious(p3)).toBe(true);
  });

  it('previous walks back the exact cursors, down to the first page', () => {
    const p3 = pushCursor(pushCursor(FIRST_PAGE, 'c2'), 'c3');
    const back2 = popCursor(p3);
    expect(back2).toEqual({ back: [null], current: 'c2' });
    const back1 = popCursor(back2);
    expect(back1).toEqual({ back: [], current: null });
    expect(popCursor(back1)).toBe(back1); // nothing before the first page
  });

  it('never mutates a stack (old states stay valid for a re-render)', () => {
    const p2 = pushCursor(FIRST_PAGE, 'c2');
    const snapshot = JSON.stringify(p2);
    pushCursor(p2, 'c3');
    popCursor(p2);
    expect(JSON.stringify(p2)).toBe(snapshot);
    expect(FIRST_PAGE).toEqual({ back: [], current: null });
  });

  it('forward after going back replaces the forward history', () => {
    let s = pushCursor(pushCursor(FIRST_PAGE, 'c2'), 'c3');
    s = popCursor(s); // on page 2
    s = pushCursor(s, 'c3-again');
    expect(s).toEqual({ back: [null, 'c2'], current: 'c3-again' });
  });
});
