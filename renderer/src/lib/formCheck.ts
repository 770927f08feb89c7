/**
 * Turning the service's answers to checkConfig into what the new-run form shows: problems at their fields,
 * an arm's problems in the arm's row, the rest in a list above the start button.
 */
import type { PlacedProblems } from './configFields.js';
import { placeProblems, problemText } from './configFields.js';
import type { ComparisonArmInput, ConfigCheck, FieldProblem } from './contract.js';

export interface FormProblems {
  fields: PlacedProblems;
  /** By "arms.<index>.optimizer.<field>". */
  arms: Record<string, string>;
}

/** The base config with an arm's optimizer settings laid over its optimizer part. */
export function withOptimizer(config: Record<string, unknown>, optimizer: Record<string, unknown>): Record<string, unknown> {
  return { ...config, optimizer: { ...((config['optimizer'] as Record<string, unknown> | undefined) ?? {}), ...optimizer } };
}

/**
 * `base` checks the shared config, `perArm[i]` the config of arm i. A problem with a value the arm sets
 * itself belongs to the arm's row; any other arm problem repeats the base's, unless the base passed.
 */
export function sortProblems(base: ConfigCheck, perArm: readonly ConfigCheck[], arms: readonly ComparisonArmInput[], visiblePaths: readonly string[]): FormProblems {
  const fields = placeProblems(base.ok ? [] : base.problems, visiblePaths);
  const armProblems: Record<string, string> = {};
  perArm.forEach((result, index) => {
    if (result.ok) return;
    const own = arms[index]!.optimizer as Record<string, unknown>;
    for (const problem of result.problems) {
      const field = problem.field.replace(/^optimizer\./, '');
      if (problem.field.startsWith('optimizer.') && own[field] !== undefined) armProblems[`arms.${index}.${problem.field}`] ??= problemText(problem.field, problem.message);
      else if (base.ok) fields.unplaced.push(`arm “${arms[index]!.label ?? index + 1}”: ${problemText(problem.field, problem.message, true)}`);
    }
  });
  return { fields, arms: armProblems };
}

/**
 * startRun and createComparison report a bad input as one message, "Invalid run configuration —
 * config.optimizer.rho: Too small…": the problem, named as the form names its fields.
 */
export function problemFromMessage(message: string): FieldProblem | null {
  const match = /—\s*([\w.]+):\s*(.+)$/.exec(message);
  return match === null ? null : { field: match[1]!.replace(/^config\./, ''), message: match[2]! };
}

/** A start refusal as the form lists it: "Invalid run configuration — ρ (rho) must be greater than 0". */
export function startErrorText(message: string): string {
  const problem = problemFromMessage(message);
  if (problem === null) return message;
  const what = message.slice(0, message.indexOf('—')).trim();
  return `${what} — ${problemText(problem.field, problem.message, true)}`;
}
