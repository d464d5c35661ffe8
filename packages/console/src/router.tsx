// A small History-API router: the console has a handful of routes and needs no dependency for them.
import { createContext, useContext, useEffect, useState } from 'react';
import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { parseSocRoute, type SocRouteName } from './screens/soc/routes.js';
import { parseAsmRoute, type AsmRouteName } from './screens/asm/routes.js';
import { parseSocAdminRoute, type SocAdminRouteName } from './screens/soc/adminRoutes.js';

export interface Route {
  name:
    | 'orgs'
    | 'org'
    | 'users'
    | 'tokens'
    | 'audit'
    | 'account'
    | 'notFound'
    | SocRouteName
    | SocAdminRouteName
    | AsmRouteName;
  params: Record<string, string>;
  path: string;
}

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/orgs') return { name: 'orgs', params: {}, path };
  const org = /^\/orgs\/([^/]+)$/.exec(path);
  if (org?.[1]) return { name: 'org', params: { id: decodeURIComponent(org[1]) }, path };
  if (path === '/users') return { name: 'users', params: {}, path };
  if (path === '/tokens') return { name: 'tokens', params: {}, path };
  if (path === '/audit') return { name: 'audit', params: {}, path };
  if (path === '/account') return { name: 'account', params: {}, path };
  const soc = path.startsWith('/soc') ? (parseSocRoute(path) ?? parseSocAdminRoute(path)) : null;
  if (soc) return { ...soc, path };
  const asm = path.startsWith('/asm') ? parseAsmRoute(path) : null;
  if (asm) return { ...asm, path };
  return { name: 'notFound', params: {}, path };
}

const RouterContext = createContext<{ route: Route; navigate: (to: string) => void }>({
  route: parseRoute('/'),
  navigate: () => undefined,
});

export function useRouter() {
  return useContext(RouterContext);
}

export function RouterProvider({ children }: { children: React.ReactNode }) {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (to: string) => {
    if (to !== window.location.pathname + window.location.search) window.history.pushState({}, '', to);
    setRoute(parseRoute(new URL(to, window.location.origin).pathname));
  };
  return <RouterContext.Provider value={{ route, navigate }}>{children}</RouterContext.Provider>;
}

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { navigate } = useRouter();
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}
