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

/** Name, version, SPDX expression and licence text of each package folder (relative to root). */
export function describePackages(root, dirs) {
  const byName = new Map();
  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const license = typeof pkg.license === 'string' ? pkg.license : Array.isArray(pkg.licenses) ? pkg.licenses.map((l) => l.type).join(' OR ') : (pkg.license?.type ?? 'UNKNOWN');
    const file = readdirSync(join(root, dir)).filter((f) => LICENCE_FILE.test(f)).sort()[0];
    const text = file ? readFileSync(join(root, dir, file), 'utf8').trim() : undefined;
    // The same package may be installed twice (nested node_modules): one entry per name and version.
    byName.set(`${pkg.name}@${pkg.version}`, { name: pkg.name, version: pkg.version, license, text });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** True when every alternative or every conjunct of an SPDX expression is allowed as the expression requires. */
export function allowedLicence(expression) {
  const e = expression.replace(/[()]/g, ' ').trim();
  if (/\bOR\b/.test(e)) return e.split(/\bOR\b/).some((x) => allowedLicence(x));
  if (/\bAND\b/.test(e)) return e.split(/\bAND\b/).every((x) => allowedLicence(x));
  return ALLOWED.includes(e.trim());
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
