import type { Command } from 'commander';

export function registerModelCommands(group: Command): void {
  void group; // TODO(stub): subcommands land with their stage.
}
