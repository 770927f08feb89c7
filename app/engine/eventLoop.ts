/**
 * Yielding to the event loop between steps, so that a run sees its messages (pause, stop) while it trains.
 * Node has setImmediate; a browser page (the desktop app's GPU host) has not, and there a MessageChannel
 * task is used: unlike setTimeout(0) it is neither clamped to 4 ms nor throttled in a hidden page.
 */
const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

let channel: { port: MessagePort; waiting: (() => void)[] } | undefined;

function messageTask(): Promise<void> {
  if (!channel) {
    const { port1, port2 } = new MessageChannel();
    const waiting: (() => void)[] = [];
    port1.onmessage = () => waiting.shift()?.();
    channel = { port: port2, waiting };
  }
  const { port, waiting } = channel;
  return new Promise((resolve) => {
    waiting.push(resolve);
    port.postMessage(null);
  });
}

/** Resolves in a later macrotask, after the messages already queued have been handled. */
export function nextTask(): Promise<void> {
  return immediate ? new Promise((resolve) => immediate(resolve)) : messageTask();
}
