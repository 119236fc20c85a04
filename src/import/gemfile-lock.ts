// Gemfile.lock: the locked version of each gem and the Ruby version. Sections
// (GEM, GIT, PATH, PLATFORMS, DEPENDENCIES, RUBY VERSION, BUNDLED WITH) start
// in column 0; a locked gem is `    name (version)` at four spaces in a `specs:` list.
import { assertText, importError } from './types.js';

export interface LockedGem {
  version: string;
  line: number;
}

export interface GemfileLock {
  gems: Map<string, LockedGem>;
  /** `RUBY VERSION`'s `ruby 3.1.2p20`, as 3.1.2. */
  ruby?: { version: string; line: number };
  bundler?: string;
  /** Each PATH section's `remote:`: a path gem's folder, as the Gemfile wrote it. */
  paths: { remote: string; line: number }[];
}

/** The gems whose versions pick railyard's defaults. */
export const GEMS_OF_INTEREST = ['rails', 'puma', 'delayed_job', 'delayed_job_active_record', 'racecar', 'mysql2', 'pg', 'trilogy', 'whenever'] as const;

export function parseGemfileLock(text: string, file = 'Gemfile.lock'): GemfileLock {
  assertText(file, text);
  const out: GemfileLock = { gems: new Map(), paths: [] };
  let section = '';
  let sawSection = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const n = i + 1;
    if (line.trim() === '') continue;
    if (/^[A-Z][A-Z ]*$/.test(line)) {
      section = line;
      sawSection = true;
      continue;
    }
    if (!sawSection) throw importError(file, n, `not a Gemfile.lock: "${line.slice(0, 60)}" comes before any section (GEM, RUBY VERSION, …)`);
    if (line.startsWith('<<<<<<<') || line.startsWith('>>>>>>>') || line === '=======') throw importError(file, n, 'has an unresolved merge conflict');
    if (['GEM', 'GIT', 'PATH', 'PLUGIN SOURCE'].includes(section)) {
      const remote = section === 'PATH' ? /^ {2}remote: (.+)$/.exec(line) : null;
      if (remote) out.paths.push({ remote: remote[1]!.trim(), line: n });
      const spec = /^ {4}([A-Za-z0-9_.\-]+) \(([^)\s]+)\)$/.exec(line);
      if (spec) {
        const version = spec[2]!.replace(/-(x86|x64|arm|aarch|universal|java|mswin|mingw).*$/, '');
        if (!out.gems.has(spec[1]!)) out.gems.set(spec[1]!, { version, line: n });
      }
      continue;
    }
    if (section === 'RUBY VERSION') {
      const m = /^\s+ruby (\d+\.\d+(?:\.\d+)?)/.exec(line);
      if (m) out.ruby = { version: m[1]!, line: n };
      continue;
    }
    if (section === 'BUNDLED WITH') {
      const m = /^\s+(\S+)/.exec(line);
      if (m) out.bundler = m[1]!;
    }
  }
  return out;
}

/** `.ruby-version`: `3.1.2`, `ruby-3.1.2` or `3.1.2p20`. */
export function parseRubyVersionFile(text: string): string | undefined {
  const m = /^\s*(?:ruby-)?(\d+\.\d+(?:\.\d+)?)/.exec(text);
  return m?.[1];
}
