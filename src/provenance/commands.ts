import type { Command } from 'commander';
import { verifyArtifact } from './verify.js';

export function registerProvenanceCommands(program: Command): void {
  program
    .command('verify')
    .description('recompute every hash in the manifests of artifact directories and their parents (sft → base → tokenizer → corpus lock)')
    .argument('<dirs...>', 'artifact directories, e.g. checkpoints/default tokenizer')
    .action((dirs: string[]) => {
      const visited = new Set<string>();
      for (const dir of dirs) verifyArtifact(dir, (line) => process.stdout.write(line + '\n'), visited);
      process.stdout.write(`verified ${visited.size} artifact${visited.size === 1 ? '' : 's'}: all hashes match\n`);
    });
}
