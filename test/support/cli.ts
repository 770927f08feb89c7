import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** The CLI in tests never touches the user's own store: unless a test says otherwise, runs go here. */
const testDatabase = join(mkdtempSync(join(tmpdir(), 'fsam-cli-store-')), 'studio.db');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the built fsam-studio CLI as a real child process. */
export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess & { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream } {
  return spawn(process.execPath, [join(repoRoot, 'build/app/cli/main.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, FSAM_DB: testDatabase, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the built fsam-studio CLI to its end. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
