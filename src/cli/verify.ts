import type { Command } from 'commander';
import { verifyArtifact } from '../provenance/verify.js';

export function registerProvenanceCommands(program: Command): void {
  program
    .command('verify')
    .description('recompute every hash in the manifests of artifact directories and their parents (sft → base → tokenizer → corpus lock)')
    .argument('<dirs...>', 'artifact directories, e.g. checkpoints/default tokenizer')
    .action((dirs: string[]) => {
      const visited = new Set<string>();
      const withheld = new Set<string>();
      for (const dir of dirs) verifyArtifact(dir, (line) => process.stdout.write(line + '\n'), visited, withheld);
      const n = withheld.size;
      const result =
        n === 0
          ? 'all hashes match'
          : `all hashes of present files match; ${n} file${n === 1 ? ' is' : 's are'} recorded by hash, not published (\`capplan reproduce\` re-creates ${n === 1 ? 'it' : 'them'})`;
      process.stdout.write(`verified ${visited.size} artifact${visited.size === 1 ? '' : 's'}: ${result}\n`);
    });
}
