/**
 * The one StudioApi client (app/api/client.ts) over a recording transport: one method per listed call and
 * subscription, omitted arguments sent the same way whatever the transport, a failed subscription reported
 * to its caller's onError (and its listener silenced), and a throwing listener kept from the others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStudioClient, wireArguments, type StudioTransport } from '../../app/api/client.js';
import { STUDIO_API_CALLS, STUDIO_API_SUBSCRIPTIONS } from '../../app/api/types.js';

function recordingTransport() {
  const calls: [string, unknown[]][] = [];
  const subscriptions: { name: string; args: unknown[]; deliver: (event: unknown) => void; fail: (error: Error) => void; closed: boolean }[] = [];
  const transport: StudioTransport = {
    call: async (method, args) => {
      calls.push([method, args]);
      return `${method} answered`;
    },
    subscribe: (name, args, deliver, fail) => {
      const entry = { name, args, deliver, fail, closed: false };
      subscriptions.push(entry);
      return () => void (entry.closed = true);
    },
  };
  return { transport, calls, subscriptions };
}

test('one method per listed call and subscription, each handing its name and arguments to the transport', async () => {
  const { transport, calls } = recordingTransport();
  const studio = createStudioClient(transport);
  assert.deepEqual(Object.keys(studio).sort(), [...STUDIO_API_CALLS, ...STUDIO_API_SUBSCRIPTIONS].sort());
  assert.equal(await studio.getRun(3), 'getRun answered');
  assert.deepEqual(calls, [['getRun', [3]]]);
});

test('an omitted trailing argument is left out and an undefined one in the middle becomes null, for every transport alike', async () => {
  const { transport, calls, subscriptions } = recordingTransport();
  const studio = createStudioClient(transport);
  await studio.deleteComparison(3);
  await studio.deleteComparison(3, undefined);
  await studio.deleteComparison(4, { withRuns: true });
  await studio.previewDataset({ name: 'builtin' }, undefined);
  await (studio.previewDataset as (...args: unknown[]) => Promise<unknown>)(undefined, { perClass: 2 });
  studio.subscribeRun(5, undefined as never, () => {});
  assert.deepEqual(calls, [
    ['deleteComparison', [3]],
    ['deleteComparison', [3]],
    ['deleteComparison', [4, { withRuns: true }]],
    ['previewDataset', [{ name: 'builtin' }]],
    ['previewDataset', [null, { perClass: 2 }]],
  ]);
  assert.deepEqual(subscriptions.map(({ name, args }) => [name, args]), [['subscribeRun', [5]]]);
  // what IPC's structured clone and the socket's JSON each make of these is the same
  for (const [, args] of calls) assert.deepEqual(JSON.parse(JSON.stringify(args)), structuredClone(args));
  assert.deepEqual(wireArguments([1, undefined, undefined]), [1]);
  assert.deepEqual(wireArguments([undefined]), []);
});

test('a subscription that fails reaches onError once, and its listener hears nothing after', () => {
  const { transport, subscriptions } = recordingTransport();
  const studio = createStudioClient(transport);
  const events: unknown[] = [];
  const errors: Error[] = [];
  const stop = studio.subscribeRun(9, {}, (event) => events.push(event), (error) => errors.push(error));
  assert.deepEqual(subscriptions[0]!.args, [9, {}], 'the listener and onError stay on this side');
  subscriptions[0]!.deliver({ type: 'rewind', runId: 9, step: 0, epochsDone: 0 });
  const refusal = Object.assign(new Error('There is no run 9 in studio.db'), { name: 'NotFoundError' });
  subscriptions[0]!.fail(refusal);
  subscriptions[0]!.fail(new Error('a second report'));
  subscriptions[0]!.deliver({ type: 'rewind', runId: 9, step: 1, epochsDone: 0 });
  assert.equal(events.length, 1);
  assert.deepEqual(errors, [refusal]);
  stop();
  assert.equal(subscriptions[0]!.closed, true);
});

test('without onError a failure is logged; a listener that throws is logged and the others go on', (t) => {
  const logged = t.mock.method(console, 'error', () => {});
  const { transport, subscriptions } = recordingTransport();
  const studio = createStudioClient(transport);
  studio.onRunUpdate(() => {});
  subscriptions[0]!.fail(new Error('Bad subscription — method: no'));
  assert.match(String(logged.mock.calls[0]?.arguments[0]), /could not subscribe \(onRunUpdate\): Bad subscription — method: no/);

  const heard: unknown[] = [];
  studio.onRunUpdate(() => {
    throw new Error('listener bug');
  });
  studio.onRunUpdate((run) => heard.push(run));
  subscriptions[1]!.deliver({ id: 1 });
  subscriptions[2]!.deliver({ id: 1 });
  assert.deepEqual(heard, [{ id: 1 }]);
  assert.match(String(logged.mock.calls[1]?.arguments[0]), /listener failed/);
});
