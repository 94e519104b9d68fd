import type { Command } from 'commander';

export function registerEvalPlanCommands(group: Command): void {
  void group; // TODO(stub): subcommands land with their stage.
}
