import { readdirSync } from 'node:fs';
import { join, posix } from 'node:path';

export const MANIFEST_FILE = 'manifest.json';

/** Every regular file under `dir` as sorted posix paths relative to it, except the manifest itself. */
export function listArtifactFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? posix.join(rel, entry.name) : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && path !== MANIFEST_FILE) files.push(path);
    }
  };
  walk('');
  return files.sort();
}
