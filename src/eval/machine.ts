import { cpus, totalmem } from 'node:os';

/** What a benchmark result must say about the machine it was measured on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  mem_gib: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    mem_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}
