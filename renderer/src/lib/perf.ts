/**
 * A probe for the performance test: with ?perf=1 in the URL, window.__fsamPerf.frameTimes collects the
 * interval between consecutive animation frames (ms), so a test can see whether live updates drop frames.
 */
const MAX_FRAMES = 100_000;

export function startPerfProbe(search: string = window.location.search): void {
  if (new URLSearchParams(search).get('perf') !== '1') return;
  const probe = { frameTimes: [] as number[] };
  window.__fsamPerf = probe;
  let previous: number | null = null;
  const tick = (now: number) => {
    if (previous !== null && probe.frameTimes.length < MAX_FRAMES) probe.frameTimes.push(now - previous);
    previous = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
