import type { Command } from 'commander';

export function registerPlanCommands(group: Command): void {
  void group; // TODO(stub): subcommands land with their stage.
}
