/**
 * Around node:util's parseArgs for every command: a negative number after a flag is its value (Node's
 * parser takes "-1" for an option and calls `--epochs -1` "ambiguous"), and a parser error reads as the
 * other usage errors do, naming the flag.
 */
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './usage.js';

/** A value that starts with a dash and reads as a number: -1, -0.5, -.5, -1e-3, -Infinity. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/** `--epochs -1` becomes `--epochs=-1` for the flags that take a value; everything after `--` is left alone. */
export function joinNegativeValues(args: readonly string[], options: ParseArgsConfig['options'] = {}): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      joined.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const takesValue = arg.startsWith('--') && !arg.includes('=') && options[arg.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** A parseArgs failure as a UsageError in the CLI's words ("--epochs needs a value"); `hint` is appended. */
export function usageErrorFrom(error: unknown, hint = ''): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(--?[\w-]+)/.exec(message)?.[1];
  let text = message;
  if (flag !== undefined && /argument missing/.test(message)) text = `${flag} needs a value`;
  else if (flag !== undefined && /argument is ambiguous/.test(message)) text = `${flag} needs a value; to give one that starts with a dash, write ${flag}=VALUE`;
  return new UsageError(`${text}${hint}`);
}
