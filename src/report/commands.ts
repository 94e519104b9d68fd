import type { Command } from 'commander';

export function registerReportCommands(program: Command): void {
  void program; // TODO(stub): `report`, `speedrun` and `reproduce` land with their stage.
}
