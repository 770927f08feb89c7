/** `info`: what this installation can do — the backend it trains on, the models and data sets. */
import { initBackend } from '../../engine/backend.js';
import { DATASET_DESCRIPTIONS, describeBuiltinDataset } from '../../data/index.js';
import { summarizeModel } from '../../models/network.js';
import { buildModelSpec, MODEL_DESCRIPTIONS, MODEL_NAMES } from '../../models/zoo.js';
import { formatTable } from '../table.js';

export const INFO_HELP = `fsam-studio info — the backend, models and data sets this installation offers

Usage: fsam-studio info [--json]`;

export async function infoCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(INFO_HELP);
    return 0;
  }
  const backend = await initBackend();
  const builtin = describeBuiltinDataset();
  const models = MODEL_NAMES.map((name) => ({
    name,
    description: MODEL_DESCRIPTIONS[name],
    parametersOnBuiltin: summarizeModel(buildModelSpec(name, builtin.imageShape, builtin.classNames.length)).parameterCount,
  }));
  if (args.includes('--json')) {
    const others = Object.entries(DATASET_DESCRIPTIONS).map(([name, description]) => ({ name, description }));
    console.log(JSON.stringify({ backend, models, datasets: [builtin, ...others] }, null, 2));
    return 0;
  }
  console.log(`backend: ${backend.name} — ${backend.device}${backend.forced ? ' (forced by FSAM_BACKEND)' : ''}`);
  for (const skipped of backend.skipped) console.log(`  not used: ${skipped.candidate} — ${skipped.error}`);
  console.log(`\nmodels (parameters on ${builtin.name}, ${builtin.imageShape.join('×')}):`);
  console.log(formatTable(['model', 'parameters', 'architecture'], models.map((m) => [m.name, m.parametersOnBuiltin.toLocaleString('en'), m.description])));
  console.log(`\ndata sets (fsam-studio data get NAME downloads mnist, fashion-mnist, cifar10, cifar100):`);
  console.log(formatTable(['name', 'what'], [[builtin.name, builtin.title], ...Object.entries(DATASET_DESCRIPTIONS)]));
  return 0;
}
