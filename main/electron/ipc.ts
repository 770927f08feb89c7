/**
 * The main process's side of the IPC contract (channels.ts): every message is checked twice before it
 * reaches the service — who sent it (only the studio's own window, from its main frame, showing our
 * renderer's index.html) and what it names (a StudioApi method, its arguments an array; the service then
 * checks the arguments themselves). Nothing here imports Electron at run time: the handlers take an
 * event-like object, so tests call them with a fake event and a real service.
 *
 * A window is held to the same request budget as a web-shell socket (CONNECTION_LIMITS in
 * app/api/connection.ts: messages a second, calls in flight, open subscriptions), so a renderer gone wrong —
 * a bug looping, or a page that should never have loaded — cannot starve the runs; and nothing a handler
 * meets (a throwing listener, a value Electron cannot send, a destroyed window) escapes into the main process.
 *
 * A desktop-only capability (a native save dialog for exports, later) is added the same way: a new channel
 * in channels.ts, a handler wrapped in `guarded(checkSender, …)` registered with ipcMain.handle in main.ts,
 * and one more function in the preload bridge.
 */
import { copyFileSync } from 'node:fs';
import { CONNECTION_LIMITS, invokeApiCall, messageIdSchema, openSubscription, RequestBudget, wireError, type ConnectionLimits } from '../../app/api/connection.js';
import { fileIdSchema } from '../../app/api/schemas.js';
import type { DownloadableFile } from '../../app/export/downloads.js';
import { NotFoundError, parseOrProblems, parseOrThrow } from '../../app/validation.js';
import type { StudioApi, Unsubscribe } from '../../app/api/types.js';
import { IPC_CHANNELS, type IpcReply } from './channels.js';
import { documentOf } from './security.js';

/** What a handler needs of Electron's WebFrameMain. */
export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
}

/** What a handler needs of Electron's WebContents (the sender). */
export interface SenderLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

/** What a handler needs of Electron's IpcMainEvent / IpcMainInvokeEvent. */
export interface IpcEventLike {
  readonly sender: SenderLike;
  readonly senderFrame: FrameLike | null;
}

/** Why a sender is refused, or undefined when it may talk to the service. */
export type SenderCheck = (event: IpcEventLike) => string | undefined;

/**
 * The studio's sender rule: the message comes from one of our windows' webContents (`isOurWebContents`), from
 * its main frame (not an iframe), while that frame shows `rendererUrl` (our renderer's file:// index.html).
 */
export function studioSenderCheck(isOurWebContents: (webContentsId: number) => boolean, rendererUrl: string): SenderCheck {
  const expected = documentOf(rendererUrl);
  if (expected === undefined || !rendererUrl.startsWith('file:')) throw new Error(`The renderer's address must be a file URL, got "${rendererUrl}"`);
  return (event) => {
    const sender = event?.sender;
    if (typeof sender?.id !== 'number') return 'no sender';
    if (!isOurWebContents(sender.id)) return `webContents ${sender.id} is not a studio window`;
    const frame = event.senderFrame;
    if (frame === null || frame === undefined) return 'the sending frame is gone';
    if (frame.parent !== null) return 'the message comes from a subframe';
    // compared without query and fragment: the renderer routes by hash
    if (documentOf(frame.url) !== expected) return `the frame shows "${frame.url}", not the studio's renderer`;
    return undefined;
  };
}

function refusedReply(reason: string): IpcReply {
  return { ok: false, error: { name: 'SecurityError', message: `F-SAM Studio refused this request: ${reason}.` } };
}

/**
 * Wraps a handler so that it runs only for an allowed sender; a refused one gets a SecurityError reply and a
 * line in the main process's log (it is a bug or an attack, never a user mistake).
 */
export function guarded<Args extends unknown[]>(
  checkSender: SenderCheck,
  channel: string,
  handler: (event: IpcEventLike, ...args: Args) => IpcReply | Promise<IpcReply>,
): (event: IpcEventLike, ...args: Args) => Promise<IpcReply> {
  return async (event, ...args) => {
    let refusal: string | undefined;
    try {
      refusal = checkSender(event);
    } catch {
      refusal = 'the sender could not be checked';
    }
    if (refusal !== undefined) {
      console.warn(`fsam-studio: refused IPC on ${channel}: ${refusal}`);
      return refusedReply(refusal);
    }
    try {
      return await handler(event, ...args);
    } catch (error) {
      return { ok: false, error: wireError(error) };
    }
  };
}

function isSubscriptionId(id: unknown): id is number {
  return parseOrProblems(messageIdSchema, id).ok;
}

export interface StudioIpcHandlers {
  /** 'studio:call' (invoke): one StudioApi call. */
  call(event: IpcEventLike, method: unknown, args: unknown): Promise<IpcReply>;
  /** 'studio:subscribe' (invoke): opens subscription `id`; its events go back on 'studio:event'. */
  subscribe(event: IpcEventLike, id: unknown, method: unknown, args: unknown): Promise<IpcReply>;
  /** 'studio:unsubscribe' (send): ends subscription `id` of the sender. */
  unsubscribe(event: IpcEventLike, id: unknown): void;
  /** Ends every subscription of one webContents (it navigated, crashed or closed). */
  forget(webContentsId: number): void;
  /** Ends every subscription (quitting). */
  dispose(): void;
  /** Open subscriptions of one webContents (for tests and diagnostics). */
  subscriptionCount(webContentsId: number): number;
}

export function createStudioIpcHandlers(api: StudioApi, checkSender: SenderCheck, limits: Readonly<ConnectionLimits> = CONNECTION_LIMITS): StudioIpcHandlers {
  /** webContents id → subscription id → unsubscribe */
  const subscriptions = new Map<number, Map<number, Unsubscribe>>();
  /** webContents id → what it may still ask (made after the sender check: only our windows have one) */
  const budgets = new Map<number, RequestBudget>();
  const budgetOf = (webContentsId: number) => {
    let budget = budgets.get(webContentsId);
    if (budget === undefined) budgets.set(webContentsId, (budget = new RequestBudget(limits)));
    return budget;
  };

  const end = (webContentsId: number, id: number) => {
    const own = subscriptions.get(webContentsId);
    const unsubscribe = own?.get(id);
    if (unsubscribe === undefined) return;
    own!.delete(id);
    if (own!.size === 0) subscriptions.delete(webContentsId);
    unsubscribe();
  };

  const call = guarded(checkSender, IPC_CHANNELS.call, async (event, method: unknown, args: unknown): Promise<IpcReply> => {
    // a refusal (thrown: TooManyRequestsError, ConfigError) becomes the reply's error in guarded()
    const budget = budgetOf(event.sender.id);
    budget.admitMessage();
    return { ok: true, value: await budget.call(() => invokeApiCall(api, method, args)) };
  });

  const subscribe = guarded(checkSender, IPC_CHANNELS.subscribe, (event, rawId: unknown, method: unknown, args: unknown): IpcReply => {
    // a refusal (thrown) becomes the reply's ConfigError in guarded()
    const sender = event.sender;
    const budget = budgetOf(sender.id);
    budget.admitMessage();
    const id = parseOrThrow(messageIdSchema, rawId, 'Bad subscription', 'id');
    // a repeated id replaces the subscription it named
    end(sender.id, id);
    budget.admitSubscription(subscriptions.get(sender.id)?.size ?? 0);
    // called from a run's stream: whatever goes wrong ends this subscription, never the stream or the process
    const forward = (streamEvent: unknown) => {
      try {
        if (sender.isDestroyed()) {
          end(sender.id, id);
          return;
        }
        sender.send(IPC_CHANNELS.event, id, streamEvent);
      } catch (error) {
        console.warn(`fsam-studio: ended subscription ${id} of webContents ${sender.id}: ${(error as Error).message}`);
        end(sender.id, id);
      }
    };
    const unsubscribe = openSubscription(api, method, args, forward);
    let own = subscriptions.get(sender.id);
    if (own === undefined) subscriptions.set(sender.id, (own = new Map()));
    own.set(id, unsubscribe);
    return { ok: true, value: null };
  });

  const forget = (webContentsId: number) => {
    budgets.delete(webContentsId);
    const own = subscriptions.get(webContentsId);
    if (own === undefined) return;
    subscriptions.delete(webContentsId);
    for (const unsubscribe of own.values()) unsubscribe();
  };

  return {
    call: (event, method, args) => call(event, method, args),
    subscribe: (event, id, method, args) => subscribe(event, id, method, args),
    // registered with ipcMain.on, where a throw would be an uncaught exception in the main process
    unsubscribe(event, id) {
      try {
        const refusal = checkSender(event);
        if (refusal !== undefined) {
          console.warn(`fsam-studio: refused IPC on ${IPC_CHANNELS.unsubscribe}: ${refusal}`);
          return;
        }
        if (isSubscriptionId(id)) end(event.sender.id, id);
      } catch (error) {
        console.warn(`fsam-studio: IPC on ${IPC_CHANNELS.unsubscribe} failed: ${(error as Error).message}`);
      }
    },
    forget,
    dispose() {
      for (const webContentsId of [...subscriptions.keys()]) forget(webContentsId);
    },
    subscriptionCount: (webContentsId) => subscriptions.get(webContentsId)?.size ?? 0,
  };
}

/**
 * 'studio:saveExport' (invoke, desktop only): asks the user where to save a recorded export or report and
 * copies it there. `lookup` answers only for exports and reports in the store; `askWhere` is the native save
 * dialog (main.ts), given the file's name as the default and returning the chosen path or undefined.
 */
export function createSaveExportHandler(
  lookup: (fileId: number) => DownloadableFile | undefined,
  askWhere: (event: IpcEventLike, file: DownloadableFile) => Promise<string | undefined>,
  checkSender: SenderCheck,
): (event: IpcEventLike, fileId: unknown) => Promise<IpcReply> {
  return guarded(checkSender, IPC_CHANNELS.saveExport, async (event, fileId: unknown): Promise<IpcReply> => {
    const id = parseOrThrow(fileIdSchema, fileId, '', 'fileId');
    const file = lookup(id);
    if (!file) throw new NotFoundError(`There is no exported file ${id} in the store; export the run again`);
    const target = await askWhere(event, file);
    if (target === undefined) return { ok: true, value: { savedTo: null } };
    copyFileSync(file.path, target);
    return { ok: true, value: { savedTo: target } };
  });
}
