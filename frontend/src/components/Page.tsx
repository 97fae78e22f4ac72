import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

let firstPage = true;

/**
 * A screen's heading and document title. After a client-side navigation the
 * heading takes focus, so keyboard and screen-reader users start at the new
 * content (not on the first page load, where the browser handles it).
 */
export function Page({ title, children, narrow }: { title: string; children: ComponentChildren; narrow?: boolean }) {
  const h1 = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Herald`;
    if (firstPage) firstPage = false;
    else h1.current?.focus();
  }, [title]);
  return (
    <section class={narrow ? 'page page--narrow' : 'page'}>
      <h1 ref={h1} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </section>
  );
}
