import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { collectReportData } from './report-data.js';
import { IMAGE_DIR, renderReport } from './report-markdown.js';

export const REPORT_FILE = 'report.md';

/**
 * Writes `checkpoint/report.md` and its charts under `checkpoint/report/`. They sit beside the
 * manifest without being recorded in it: the report is derived from recorded files and may be regenerated.
 */
export function writeReport(checkpoint: string): { path: string; warnings: string[] } {
  const data = collectReportData(checkpoint);
  const { markdown, images } = renderReport(data);
  rmSync(join(checkpoint, IMAGE_DIR), { recursive: true, force: true });
  for (const [file, svg] of Object.entries(images)) writeFileAtomic(join(checkpoint, IMAGE_DIR, file), svg);
  const path = join(checkpoint, REPORT_FILE);
  writeFileAtomic(path, markdown);
  return { path, warnings: data.warnings };
}
