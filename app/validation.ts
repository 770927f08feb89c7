/**
 * Validation at the boundary: one way to turn a zod failure into a message that names the field, says
 * what was wrong, and is thrown as a ConfigError (which the CLI and the service API show as-is).
 */
import type { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** "optimizer.lambda: Too big: expected number to be <1" — the first issue, with its full field path. */
export function describeIssue(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0]!;
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return `${field || prefix || 'value'}: ${issue.message}`;
}

/** Parses `input` with `schema` or throws a ConfigError "<what> — <field>: <problem>". */
export function parseOrThrow<Schema extends z.ZodType>(schema: Schema, input: unknown, what: string, fieldPrefix = ''): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ConfigError(`${what} — ${describeIssue(result.error, fieldPrefix)}`);
  return result.data;
}

/** A run, comparison or file that does not exist (or no longer does). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** An action that the thing's current state does not allow: pausing a finished run, resuming a running one. */
export class StateError extends Error {
  override name = 'StateError';
}
