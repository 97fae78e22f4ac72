/**
 * Previous / next paging over the API's opaque cursors.
 *
 * The API only gives a `next_cursor`, so going back means remembering the
 * cursors of the pages we came through: a stack. `current` is the cursor that
 * loaded the page on screen (null = the first page), `back` holds the cursors
 * of the pages before it, oldest first.
 */
export interface CursorStack {
  /** cursors of the earlier pages (null = the first page), in the order visited */
  readonly back: readonly (string | null)[];
  /** the cursor that loaded the page being shown (null = the first page) */
  readonly current: string | null;
}

export const FIRST_PAGE: CursorStack = { back: [], current: null };

/** Move forward to the page `nextCursor` loads (the one the last response gave). */
export function pushCursor(stack: CursorStack, nextCursor: string): CursorStack {
  return { back: [...stack.back, stack.current], current: nextCursor };
}

/** Go back one page; on the first page nothing changes. */
export function popCursor(stack: CursorStack): CursorStack {
  if (stack.back.length === 0) return stack;
  return { back: stack.back.slice(0, -1), current: stack.back[stack.back.length - 1] ?? null };
}

export function hasPrevious(stack: CursorStack): boolean {
  return stack.back.length > 0;
}

/** 1-based number of the page being shown. */
export function pageNumber(stack: CursorStack): number {
  return stack.back.length + 1;
}
