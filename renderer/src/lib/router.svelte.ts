/** The current screen, following the URL hash (back and forward buttons included). */
import { parseRoute, routeHash } from './routes.js';
import type { Route } from './routes.js';

export const router = $state<{ route: Route }>({ route: parseRoute(window.location.hash) });

export function navigate(route: Route): void {
  const hash = routeHash(route);
  if (window.location.hash === hash) router.route = route;
  else window.location.hash = hash;
}

export function trackRoute(): () => void {
  const update = () => {
    router.route = parseRoute(window.location.hash);
  };
  window.addEventListener('hashchange', update);
  return () => window.removeEventListener('hashchange', update);
}
