// Writing rendered files: all or nothing per file, never a half-written one,
// and files railyard wrote last time but no longer renders are removed.
// Synchronous on purpose: a short-lived CLI writing thousands of small files
// spent most of its time waiting on promise round-trips (bench/synth.sh).
import { mkdirSync as mkdir, mkdtempSync as mkdtemp, readFileSync, renameSync as rename, rmSync as rm, writeFileSync as writeFile, chmodSync as chmod } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { RenderedFile } from '../render/files.js';

/** The list of files railyard wrote into an output folder, so a rerun can remove the ones it dropped. */
export const INDEX_FILE = '.railyard/synth-files.json';

export interface WriteResult {
  written: string[];
  unchanged: string[];
  removed: string[];
}

async function readIndex(outDir: string): Promise<string[]> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(outDir, INDEX_FILE), 'utf8'));
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

function indexFile(files: readonly RenderedFile[]): RenderedFile {
  return { path: INDEX_FILE, content: JSON.stringify(files.map((f) => f.path).sort(), null, 2) + '\n' };
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function assertInside(outDir: string, rel: string): void {
  const r = relative(outDir, join(outDir, rel));
  if (r.startsWith('..') || r.startsWith(sep) || rel.includes('\0')) throw new Error(`refusing to write outside the output folder: ${rel}`);
}

/**
 * Stages every file in a temp folder inside `outDir` (same filesystem), then
 * renames each into place. A crash leaves each file either old or new.
 */
export async function writeFilesAtomically(outDir: string, files: readonly RenderedFile[]): Promise<WriteResult> {
  const all = [...files, indexFile(files)];
  for (const f of all) assertInside(outDir, f.path);
  mkdir(outDir, { recursive: true });
  const previous = await readIndex(outDir);
  const stage = mkdtemp(join(outDir, '.railyard-tmp-'));
  const result: WriteResult = { written: [], unchanged: [], removed: [] };
  try {
    const changed: RenderedFile[] = [];
    for (const f of all) {
      if ((readIfExists(join(outDir, f.path))) === f.content) {
        if (f.path !== INDEX_FILE) result.unchanged.push(f.path);
        continue;
      }
      const staged = join(stage, f.path);
      mkdir(dirname(staged), { recursive: true });
      writeFile(staged, f.content);
      chmod(staged, f.mode ?? 0o644);
      changed.push(f);
    }
    for (const f of changed) {
      mkdir(dirname(join(outDir, f.path)), { recursive: true });
      rename(join(stage, f.path), join(outDir, f.path));
      if (f.path !== INDEX_FILE) result.written.push(f.path);
    }
    const current = new Set(all.map((f) => f.path));
    for (const old of previous) {
      if (current.has(old)) continue;
      assertInside(outDir, old);
      rm(join(outDir, old), { force: true });
      result.removed.push(old);
    }
  } finally {
    rm(stage, { recursive: true, force: true });
  }
  return result;
}

/** What `--check` reports: files that differ from what would be rendered, or would be removed. */
export async function findStaleFiles(outDir: string, files: readonly RenderedFile[]): Promise<{ stale: string[]; missing: string[]; extra: string[] }> {
  const out = { stale: [] as string[], missing: [] as string[], extra: [] as string[] };
  for (const f of files) {
    const existing = readIfExists(join(outDir, f.path));
    if (existing === undefined) out.missing.push(f.path);
    else if (existing !== f.content) out.stale.push(f.path);
  }
  const current = new Set(files.map((f) => f.path));
  for (const old of await readIndex(outDir)) if (!current.has(old)) out.extra.push(old);
  return out;
}

/** One file, written to a temp name beside it and renamed over it. */
export function writeFileAtomically(path: string, content: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.railyard-tmp-${process.pid}`);
  mkdir(dirname(path), { recursive: true });
  try {
    writeFile(tmp, content);
    rename(tmp, path);
  } finally {
    rm(tmp, { force: true });
  }
}
