import fs from 'node:fs/promises';
import path from 'node:path';
import type { RunReport } from './collect-run-report';
import { formatHtmlReport } from './format-html-report';
import { formatJsonReport } from './format-json-report';
import { formatMarkdownReport } from './format-markdown-report';
import { writeFileAtomically } from '../write-file-atomically';

export interface ReportFiles {
  markdown: string;
  json: string;
  html: string;
}

/** report.md, report.json and report.html of some runs in `directory`. */
export async function writeReportFiles(reports: readonly RunReport[], directory: string, options: { title?: string } = {}): Promise<ReportFiles> {
  await fs.mkdir(directory, { recursive: true });
  const files = { markdown: path.join(directory, 'report.md'), json: path.join(directory, 'report.json'), html: path.join(directory, 'report.html') };
  await writeFileAtomically(files.markdown, formatMarkdownReport(reports, options));
  await writeFileAtomically(files.json, formatJsonReport(reports));
  await writeFileAtomically(files.html, formatHtmlReport(reports, options));
  return files;
}
