/**
 * Screens are addressed by the URL hash (#/runs, #/run/12, #/compare?runs=3,4, #/comparison/2, #/studies,
 * #/study/5, …): it works the same from file:// in Electron and over HTTP, and leaves the page's ?token=
 * query alone.
 */
export type Route =
  | { screen: 'runs' }
  | { screen: 'new'; mode: 'run' | 'comparison' }
  | { screen: 'run'; runId: number }
  | { screen: 'compare'; runIds: number[] }
  | { screen: 'comparison'; comparisonId: number }
  | { screen: 'studies' }
  | { screen: 'study'; studyId: number }
  | { screen: 'settings' };

function positiveInteger(text: string | undefined): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const value = Number(text);
  return value > 0 ? value : null;
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  switch (parts[0]) {
    case 'new':
      return { screen: 'new', mode: parts[1] === 'comparison' ? 'comparison' : 'run' };
    case 'run': {
      const runId = positiveInteger(parts[1]);
      return runId === null ? { screen: 'runs' } : { screen: 'run', runId };
    }
    case 'compare': {
      const list = new URLSearchParams(query).get('runs') ?? '';
      const runIds = list.split(',').map((item) => positiveInteger(item.trim())).filter((id): id is number => id !== null);
      return { screen: 'compare', runIds: [...new Set(runIds)] };
    }
    case 'comparison': {
      const comparisonId = positiveInteger(parts[1]);
      return comparisonId === null ? { screen: 'compare', runIds: [] } : { screen: 'comparison', comparisonId };
    }
    case 'studies':
      return { screen: 'studies' };
    case 'study': {
      const studyId = positiveInteger(parts[1]);
      return studyId === null ? { screen: 'studies' } : { screen: 'study', studyId };
    }
    case 'settings':
      return { screen: 'settings' };
    default:
      return { screen: 'runs' };
  }
}

export function routeHash(route: Route): string {
  switch (route.screen) {
    case 'runs':
      return '#/runs';
    case 'new':
      return route.mode === 'comparison' ? '#/new/comparison' : '#/new';
    case 'run':
      return `#/run/${route.runId}`;
    case 'compare':
      return route.runIds.length > 0 ? `#/compare?runs=${route.runIds.join(',')}` : '#/compare';
    case 'comparison':
      return `#/comparison/${route.comparisonId}`;
    case 'studies':
      return '#/studies';
    case 'study':
      return `#/study/${route.studyId}`;
    case 'settings':
      return '#/settings';
  }
}
