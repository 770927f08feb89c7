/**
 * Validation at the boundary: one way to turn a zod failure into a message that names the field, says
 * what was wrong, and is thrown as a ConfigError (which the CLI and the service API show as-is). Every
 * boundary parses through here — parseOrThrow, or parseOrProblems where every problem is wanted as data
 * (a form's inline errors, a command line's flags) — so a failure reads the same wherever it happens.
 */
import type { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** One problem of an input: the dotted path of its field ("optimizer.rho") and what is wrong with it. */
export interface FieldIssue {
  field: string;
  message: string;
}

export interface FieldNaming {
  /** Put before every field's path: "config" gives "config.optimizer.rho". */
  prefix?: string;
  /** The field named when the input as a whole is wrong (default: the prefix, else "value"). */
  whole?: string;
}

function issuesOf(error: z.ZodError, naming: FieldNaming = {}): FieldIssue[] {
  const prefix = naming.prefix ?? '';
  return error.issues.map((issue) => {
    const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return { field: field || naming.whole || prefix || 'value', message: issue.message };
  });
}

/** "optimizer.lambda: Too big: expected number to be <1" — the first issue, with its full field path. */
export function describeIssue(error: z.ZodError, prefix = ''): string {
  const { field, message } = issuesOf(error, { prefix })[0]!;
  return `${field}: ${message}`;
}

/** Parses `input` with `schema`; the non-throwing sibling of parseOrThrow, listing every problem. */
export function parseOrProblems<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  naming: FieldNaming = {},
): { ok: true; value: z.infer<Schema> } | { ok: false; problems: FieldIssue[] } {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: issuesOf(result.error, naming) };
}

/**
 * Parses `input` with `schema` or throws a ConfigError "<what> — <field>: <problem>" for its first problem
 * ("<field>: <problem>" when `what` is empty: a service argument, named by its field alone).
 */
export function parseOrThrow<Schema extends z.ZodType>(schema: Schema, input: unknown, what: string, fieldPrefix = ''): z.infer<Schema> {
  const parsed = parseOrProblems(schema, input, { prefix: fieldPrefix });
  if (parsed.ok) return parsed.value;
  const { field, message } = parsed.problems[0]!;
  throw new ConfigError(what === '' ? `${field}: ${message}` : `${what} — ${field}: ${message}`);
}

/** A run, comparison or file that does not exist (or no longer does). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** An action that the thing's current state does not allow: pausing a finished run, resuming a running one. */
export class StateError extends Error {
  override name = 'StateError';
}
