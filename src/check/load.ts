// Reading a folder of manifests: every .yaml/.yml/.json below it (multi-document
// files and `kind: List` included) and any Dockerfile beside them. I/O lives here,
// at the edge; the rules never touch the file system.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { load as loadYaml, YAMLException } from 'js-yaml';
import { parseDockerfile } from './dockerfile.js';
import type { DockerStage, K8sObject } from './types.js';

/** Input the check cannot read; the CLI exits 2 and names it. */
export class UnreadableInput extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'UnreadableInput';
  }
}

export interface LoadedManifests {
  objects: K8sObject[];
  docker: DockerStage[];
  sourceOf: (obj: K8sObject) => { file: string; line?: number } | undefined;
  files: string[];
}

const MANIFEST = /\.(ya?ml|json)$/i;
const DOCKERFILE = /(^|\.)Dockerfile$|^Dockerfile(\..+)?$/;

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new UnreadableInput(dir, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message);
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile() && (MANIFEST.test(e.name) || DOCKERFILE.test(e.name))) out.push(p);
  }
}

/** Parses one manifest file's text; `display` is the name used in messages. */
export function parseManifests(text: string, display: string): { objects: K8sObject[]; lines: number[] } {
  const objects: K8sObject[] = [];
  const lines: number[] = [];
  if (/\.json$/i.test(display)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new UnreadableInput(display, `not valid JSON: ${(e as Error).message}`);
    }
    for (const o of flattenList(value)) {
      objects.push(o);
      lines.push(1);
    }
    return { objects, lines };
  }
  // Documents are split at `---` lines here, so each knows its first line, and parsed
  // with js-yaml: at 5,000 objects the `yaml` package's document model costs seconds.
  // A `---` at column 0 cannot be inside a block scalar, whose lines are indented.
  const chunks: { line: number; text: string }[] = [];
  let current: string[] = [];
  let currentLine = 1;
  text.split('\n').forEach((line, i) => {
    const marker = /^(---|\.\.\.)(\s|$)/.exec(line);
    if (!marker) {
      current.push(line);
      return;
    }
    chunks.push({ line: currentLine, text: current.join('\n') });
    // Whatever follows `---` on its line (`--- {a: 1}`) opens the next document.
    current = marker[1] === '---' ? [line.slice(3)] : [];
    currentLine = marker[1] === '---' ? i + 1 : i + 2;
  });
  chunks.push({ line: currentLine, text: current.join('\n') });
  for (const chunk of chunks) {
    if (!/\S/.test(chunk.text.replace(/#.*$/gm, ''))) continue;
    let value: unknown;
    try {
      value = loadYaml(chunk.text, { filename: display });
    } catch (e) {
      if (!(e instanceof YAMLException)) throw e;
      const mark = (e as YAMLException & { mark?: { line: number } }).mark;
      throw new UnreadableInput(display, `${mark ? `line ${chunk.line + mark.line}: ` : ''}${e.reason ?? e.message}`);
    }
    if (value === null || value === undefined) continue;
    const firstContent = chunk.line + Math.max(0, chunk.text.split('\n').findIndex((l) => /^\s*[^#\s]/.test(l)));
    if (typeof value !== 'object' || Array.isArray(value)) throw new UnreadableInput(display, `line ${firstContent}: a document must be a Kubernetes object (a mapping)`);
    for (const o of flattenList(value)) {
      objects.push(o);
      lines.push(firstContent);
    }
  }
  return { objects, lines };
}

function flattenList(value: unknown): K8sObject[] {
  if (!value || typeof value !== 'object') return [];
  const v = value as K8sObject;
  if (typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)) return v.items.flatMap(flattenList);
  return [v];
}

export async function loadManifestDir(dir: string): Promise<LoadedManifests> {
  let st;
  try {
    st = await stat(dir);
  } catch {
    throw new UnreadableInput(dir, 'no such file or folder');
  }
  const files: string[] = [];
  if (st.isDirectory()) await walk(dir, files);
  else files.push(dir);
  const objects: K8sObject[] = [];
  const docker: DockerStage[] = [];
  const sources = new WeakMap<K8sObject, { file: string; line?: number }>();
  for (const file of files) {
    const display = relative(process.cwd(), file) || file;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new UnreadableInput(display, (e as Error).message);
    }
    if (DOCKERFILE.test(file.split('/').pop()!)) {
      docker.push(...parseDockerfile(text, display));
      continue;
    }
    const parsed = parseManifests(text, display);
    parsed.objects.forEach((o, i) => {
      objects.push(o);
      sources.set(o, { file: display, line: parsed.lines[i] });
    });
  }
  return { objects, docker, sourceOf: (o) => sources.get(o), files };
}
