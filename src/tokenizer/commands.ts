import type { Command } from 'commander';

export function registerTokenizerCommands(group: Command): void {
  void group; // TODO(stub): subcommands land with their stage.
}
