import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';

/** A small router on the History API: the app has a handful of screens and needs nothing more. */
interface Location {
  path: string;
  search: URLSearchParams;
  navigate(to: string): void;
}

const RouterContext = createContext<Location>({ path: '/', search: new URLSearchParams(), navigate: () => {} });

export function Router({ children }: { children: ReactNode }) {
  const [href, setHref] = useState(() => window.location.pathname + window.location.search);
  useEffect(() => {
    const onPop = () => setHref(window.location.pathname + window.location.search);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: string) => {
    window.history.pushState(null, '', to);
    setHref(to);
    window.scrollTo(0, 0);
  }, []);
  const url = new URL(href, window.location.origin);
  return (
    <RouterContext.Provider value={{ path: url.pathname, search: url.searchParams, navigate }}>
      {children}
    </RouterContext.Provider>
  );
}

export function useLocation() {
  return useContext(RouterContext);
}

/** `match('/participants/:id', '/participants/par_1')` → `{ id: 'par_1' }`. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split('/').filter(Boolean);
  const b = path.split('/').filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const part = a[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(b[i] ?? '');
    else if (part !== b[i]) return null;
  }
  return params;
}

export function Link({
  to,
  children,
  className,
  current,
}: {
  to: string;
  children: ReactNode;
  className?: string;
  /** This link is the page being shown (for a sub-navigation). */
  current?: boolean;
}) {
  const { navigate } = useLocation();
  return (
    <a
      href={to}
      className={className}
      aria-current={current ? 'page' : undefined}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
