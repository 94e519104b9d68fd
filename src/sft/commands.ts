import type { Command } from 'commander';

export function registerSftCommands(program: Command): void {
  void program; // TODO(stub): `sft` lands with its stage.
}
