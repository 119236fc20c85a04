// The licences of what railyard bundles. build.mjs bundles dependencies into
// dist/cli.js's chunks and dist/runtime.cjs (which synth copies into the app's
// image), so their licence texts must travel with those files: MIT, ISC, BSD and
// Apache-2.0 all ask for the notice to be kept in copies. build.mjs writes
// dist/THIRD-PARTY-NOTICES.md for the CLI and appends the same notices to
// runtime.cjs as a comment; test/build/notices.test.ts checks both, and that
// nothing bundled is under a licence outside ALLOWED (no GPL in what we ship).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * SPDX ids railyard may ship, bundled or as a dependency: permissive licences whose terms a
 * notice file meets (Python-2.0: argparse, which js-yaml depends on). No copyleft.
 */
export const ALLOWED = ['MIT', 'ISC', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD', 'Unlicense', 'BlueOak-1.0.0', 'CC0-1.0', 'Python-2.0'];

/** Package folders (`node_modules/@scope/name`) of the bundle inputs esbuild's metafile lists. */
export function packageDirs(inputs) {
  const dirs = new Set();
  for (const path of inputs) {
    const i = path.lastIndexOf('node_modules/');
    if (i < 0) continue;
    const parts = path.slice(i + 'node_modules/'.length).split('/');
    const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    dirs.add(`${path.slice(0, i)}node_modules/${name}`);
  }
  return [...dirs].sort();
}

const LICENCE_FILE = /^(?:licen[cs]e|copying)(?:[.-].*)?$/i;
const NOTICE_FILE = /^notice(?:[.-].*)?$/i;

/** Name, version, SPDX expression and licence text of each package folder (relative to root). */
export function describePackages(root, dirs) {
  const byName = new Map();
  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const license = typeof pkg.license === 'string' ? pkg.license : Array.isArray(pkg.licenses) ? pkg.licenses.map((l) => l.type).join(' OR ') : (pkg.license?.type ?? 'UNKNOWN');
    // Every licence file and every NOTICE file (Apache-2.0 section 4(d) asks for the latter).
    const files = readdirSync(join(root, dir)).filter((f) => LICENCE_FILE.test(f) || NOTICE_FILE.test(f)).sort();
    const text = files.length ? files.map((f) => readFileSync(join(root, dir, f), 'utf8').trim()).join('\n\n') : undefined;
    // The same package may be installed twice (nested node_modules): one entry per name and version.
    byName.set(`${pkg.name}@${pkg.version}`, { name: pkg.name, version: pkg.version, license, text });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * True when an SPDX expression is satisfied by allowed licences: an OR needs one allowed side,
 * an AND both, parentheses group as SPDX says (AND binds tighter than OR). `WITH` exceptions,
 * `+`, `LicenseRef-` and anything unparsable are refused: a reviewer reads those by hand.
 */
export function allowedLicence(expression) {
  const tokens = String(expression).match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  const fail = () => {
    throw new Error('unparsable');
  };
  const expr = () => {
    let ok = term();
    while (tokens[i] === 'OR') i++, (ok = term() || ok);
    return ok;
  };
  const term = () => {
    let ok = factor();
    while (tokens[i] === 'AND') i++, (ok = factor() && ok);
    return ok;
  };
  const factor = () => {
    const t = tokens[i++];
    if (t === '(') {
      const ok = expr();
      if (tokens[i++] !== ')') fail();
      return ok;
    }
    if (t === undefined || t === ')' || t === 'AND' || t === 'OR' || t === 'WITH') fail();
    if (tokens[i] === 'WITH') fail();
    return ALLOWED.includes(t);
  };
  try {
    const ok = expr();
    return i === tokens.length && ok;
  } catch {
    return false;
  }
}

export function noticesMarkdown(title, packages) {
  const lines = [`# Third-party notices: ${title}`, '', 'These packages are bundled into this file set by esbuild (build.mjs). Their licences follow.', ''];
  for (const p of packages) {
    lines.push(`## ${p.name} ${p.version} (${p.license})`, '');
    lines.push(p.text ? p.text : `The package ships no licence file; its package.json declares ${p.license}.`, '');
  }
  return lines.join('\n');
}

/** The notices as one block comment for the end of a JavaScript file. */
export function noticesComment(title, packages) {
  return `\n/*!\n${noticesMarkdown(title, packages).replace(/\*\//g, '* /')}\n*/\n`;
}

/** Package folders listed in a generated bundle's `// bundled packages:` header line. */
export function headerPackages(file) {
  if (!existsSync(file)) return [];
  const line = readFileSync(file, 'utf8').split('\n', 3).find((l) => l.startsWith('// bundled packages: '));
  return line ? line.slice('// bundled packages: '.length).split(' ').filter(Boolean) : [];
}
