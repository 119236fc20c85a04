// What railyard ships carries its dependencies' licences, and none of them is
// copyleft. The CLI and the runtime bundle dependencies (build.mjs), so their
// notices must travel with dist/: checked against what esbuild says each bundle
// holds, asked again here with the same options. `make test` builds dist/ first.
import { existsSync, readFileSync } from 'node:fs';
import { build, type BuildOptions } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { cliOptions, runtimeOptions } from '../../scripts/build-options.mjs';
import { allowedLicence, describePackages, headerPackages, packageDirs } from '../../scripts/notices.mjs';

const bundled = async (options: BuildOptions) => {
  const { metafile } = await build({ ...options, write: false, logLevel: 'silent' });
  return describePackages('.', packageDirs(Object.keys(metafile!.inputs)));
};

describe('third-party notices and licences', () => {
  it('reads SPDX expressions as a licence reviewer would', () => {
    for (const ok of ['MIT', 'Apache-2.0', '(MIT OR GPL-3.0-or-later)', 'MIT AND BSD-3-Clause', 'Python-2.0']) expect(allowedLicence(ok), ok).toBe(true);
    for (const ok of ['(MIT OR Apache-2.0) AND BSD-3-Clause', 'GPL-3.0-only OR (MIT AND ISC)']) expect(allowedLicence(ok), ok).toBe(true);
    // Grouping matters: a copyleft term joined by AND to a permissive choice is still copyleft (found in review).
    for (const no of ['GPL-2.0-only', 'LGPL-3.0', 'AGPL-3.0', 'MIT AND GPL-3.0', 'SSPL-1.0', 'UNKNOWN', 'SEE LICENSE IN LICENSE', 'GPL-3.0-only AND (MIT OR Apache-2.0)', '(MIT OR Apache-2.0) AND GPL-3.0-only', 'MIT WITH Classpath-exception-2.0', '(MIT', 'MIT OR', 'LicenseRef-x']) expect(allowedLicence(no), no).toBe(false);
  });

  it('every production dependency, bundled or installed beside railyard, is under an allowed licence', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean; license?: string }> };
    const shipped = Object.entries(lock.packages).filter(([path, p]) => path !== '' && !p.dev);
    expect(shipped.length).toBeGreaterThan(50);
    const refused = shipped.filter(([, p]) => !allowedLicence(p.license ?? 'UNKNOWN')).map(([path, p]) => `${path} ${p.license ?? '(none)'}`);
    expect(refused).toEqual([]);
  });

  it('dist/THIRD-PARTY-NOTICES.md names every package the CLI bundles, the check validators too, with its licence text', async () => {
    expect(existsSync('dist/THIRD-PARTY-NOTICES.md'), 'dist/ is built by make test (make build)').toBe(true);
    const notices = readFileSync('dist/THIRD-PARTY-NOTICES.md', 'utf8');
    const packages = [...(await bundled(cliOptions)), ...describePackages('.', headerPackages('src/check/validators.bundle.cjs'))];
    for (const name of ['@kubernetes/client-node', 'yaml', 'zod', 'commander', 'ajv']) expect(packages.map((p) => p.name)).toContain(name);
    for (const p of packages) {
      expect(allowedLicence(p.license), `${p.name} ${p.license}`).toBe(true);
      expect(notices, p.name).toContain(`## ${p.name} ${p.version} (${p.license})`);
      if (p.text) expect(notices).toContain(p.text);
    }
  });

  it('dist/runtime.cjs, which synth copies into the image alone, ends with its packages\' notices', async () => {
    const runtime = readFileSync('dist/runtime.cjs', 'utf8');
    const tail = runtime.slice(runtime.lastIndexOf('/*!\n# Third-party notices'));
    const packages = await bundled(runtimeOptions);
    expect(packages.map((p) => p.name)).toContain('mysql2');
    for (const p of packages) {
      expect(allowedLicence(p.license), `${p.name} ${p.license}`).toBe(true);
      expect(tail, p.name).toContain(`## ${p.name} ${p.version} (${p.license})`);
    }
    expect(tail.trimEnd().endsWith('*/')).toBe(true);
    // long.js keeps its copyright in its @license header, not in its LICENSE file: the header stays too.
    expect(runtime).toContain('Copyright 2020 Daniel Wirtz');
  });
});
