import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../data/paths.js';
import { UserError } from '../errors.js';

/** dist/cli.js of this build (this module is dist/report/run-cli.js at run time). */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli.js');

/**
 * Runs one `capplan …` command as a child process, from the checkout (stage configs and manifests
 * record paths relative to it). Each stage gets a fresh process: the tfjs backend is process-global
 * and a stage's memory is returned when it ends. Progress goes to our stderr; stdout is returned
 * when `capture` is set, else forwarded.
 */
export function runCapplan(args: readonly string[], opts: { capture?: boolean } = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', opts.capture ? 'pipe' : 'inherit', 'inherit'],
    });
    // Ctrl-C reaches the child too: let it stop, then report the interruption instead of dying first.
    const ignoreInterrupt = (): void => {};
    process.on('SIGINT', ignoreInterrupt);
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (err) => {
      process.off('SIGINT', ignoreInterrupt);
      reject(err);
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', ignoreInterrupt);
      if (code === 0) return resolvePromise(Buffer.concat(chunks).toString('utf8'));
      const command = `\`capplan ${args.join(' ')}\``;
      reject(
        new UserError(
          signal
            ? `${command} was interrupted (${signal})`
            : `${command} failed with exit code ${code} (its error is printed above)`,
        ),
      );
    });
  });
}
