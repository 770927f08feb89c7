#!/usr/bin/env node
/** fsam-studio: the command line of F-SAM Studio. */
import { analyzeCommand } from './commands/analyze.js';
import { benchCommand } from './commands/bench.js';
import { dataCommand } from './commands/data.js';
import { exportCommand } from './commands/export.js';
import { infoCommand } from './commands/info.js';
import { runsCommand } from './commands/runs.js';
import { studyCommand } from './commands/study.js';
import { compareCommand, trainCommand } from './commands/training.js';
import { workerCommand } from './commands/worker.js';
import { EXIT_USAGE, UsageError } from './usage.js';
import { ConfigError } from '../validation.js';

const HELP = `fsam-studio — train and compare SGD, SAM and Friendly-SAM (F-SAM)

Usage: fsam-studio <command> [options]    (every command takes --help)

Commands:
  train      train one model (default optimizer fsam)
  compare    train sgd, sam and fsam from the same seeds (paired) and say whether the gains are real
  runs       list, show, resume or delete the runs kept in the store
  study      a grid of runs over a swept setting and seeds (--preset paper-decomposition|paper-rho|paper-label-noise)
  serve      the studio in a browser: prints an address with an access token
  bench      median step time of each optimizer on the small CNN and ResNet-20
  info       the backend in use, the models and the data sets
  export     a run's model (tfjs, onnx), metrics (csv, json) or report (html); --comparison ID for a comparison's report
  start      in the terminal: info, then the quick comparison on the built-in data
  data       download MNIST, Fashion-MNIST, CIFAR-10 or CIFAR-100 (data get NAME); list the cache (data list)
  analyze    how flat a run's minimum is: SAM sharpness, top Hessian eigenvalue, loss landscape
  worker     train runs from a job queue (--queue redis://…) for a studio on another machine

Environment: FSAM_BACKEND=tensorflow|wasm|cpu forces a backend; FSAM_DB=FILE chooses the store (like --db);
FSAM_DATA_CACHE=DIR the data set cache; FSAM_DATA_MIRROR=URL a mirror for data get;
FSAM_QUEUE_URL=redis://… the job queue (like --queue).`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  train: trainCommand,
  compare: compareCommand,
  runs: runsCommand,
  study: studyCommand,
  // the web shell lives in main/ (a shell around app/); loaded only when asked for
  serve: async (args) => (await import('../../main/web/serveCommand.js')).serveCommand(args),
  bench: benchCommand,
  info: infoCommand,
  export: exportCommand,
  start: async (args) => {
    if (args.includes('--help')) {
      console.log('fsam-studio start — prints the engine\'s capabilities, then runs `compare --preset quick` (the studio\'s window is `npm start`).');
      return 0;
    }
    await infoCommand([]);
    console.log('\nQuick comparison (sgd, sam, fsam; built-in data; small CNN):');
    return compareCommand(['--preset', 'quick', ...args]);
  },
  data: dataCommand,
  analyze: analyzeCommand,
  worker: workerCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return command === undefined ? EXIT_USAGE : 0;
  }
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`"${command}" is not a command; use one of ${Object.keys(COMMANDS).join(', ')} (fsam-studio --help)`);
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // a config the service refuses (e.g. a data set not downloaded yet) is the user's input too: exit 2
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(`fsam-studio: ${error.message}`);
      process.exitCode = EXIT_USAGE;
    } else {
      console.error(`fsam-studio: ${error instanceof Error ? error.message : String(error)}`);
      if (process.env.FSAM_DEBUG) console.error(error);
      process.exitCode = 1;
    }
  },
);

