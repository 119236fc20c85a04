// The Fluent Bit image for the rendered DaemonSet: the debootstrap base
// (requirePodman) plus the binary built from ../shared/vendor (mk/fluentbit.mk)
// and the libraries it links that are not glibc's, laid out like the upstream
// image (/fluent-bit/bin/fluent-bit, config in /fluent-bit/etc).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fluentBitBinary } from '../../support/fluent-bit.js';
import { tempDir } from '../cluster/support.js';
import { podman } from '../containers/podman.js';

/** glibc's own libraries come from the base image (same Debian release), never from the host. */
const FROM_BASE = /^(linux-vdso|ld-linux|libc|libm|libpthread|libdl|librt|libresolv)\.so/;

/** The shared libraries `ldd` resolves for a binary: name -> path on this machine. */
export function linkedLibraries(bin: string): Map<string, string> {
  const out = execFileSync('ldd', [bin], { encoding: 'utf8' });
  const libs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(\S+)\s+\(/.exec(line);
    if (m) libs.set(m[1]!, m[2]!);
    if (/not found/.test(line)) throw new Error(`ldd ${bin}: ${line.trim()}`);
  }
  return libs;
}

/**
 * Builds the image as `ref` (the reference the rendered DaemonSet names) and
 * returns how long `podman build` took.
 */
export async function buildFluentBitImage(ref: string, baseImage: string): Promise<{ buildMs: number; libraries: string[] }> {
  const bin = fluentBitBinary();
  const ctx = tempDir('fluent-bit-image');
  mkdirSync(join(ctx, 'lib'));
  const libraries: string[] = [];
  for (const [name, path] of linkedLibraries(bin)) {
    if (FROM_BASE.test(name)) continue;
    copyFileSync(path, join(ctx, 'lib', name));
    libraries.push(basename(name));
  }
  copyFileSync(bin, join(ctx, 'fluent-bit'));
  writeFileSync(
    join(ctx, 'Containerfile'),
    [
      'ARG BASE_IMAGE',
      'FROM ${BASE_IMAGE}',
      'COPY lib/ /fluent-bit/lib/',
      'COPY fluent-bit /fluent-bit/bin/fluent-bit',
      'ENV LD_LIBRARY_PATH=/fluent-bit/lib',
      // The upstream image's entrypoint: the DaemonSet mounts the config here.
      'ENTRYPOINT ["/fluent-bit/bin/fluent-bit"]',
      'CMD ["-c", "/fluent-bit/etc/fluent-bit.conf"]',
      '',
    ].join('\n'),
  );
  const t0 = performance.now();
  await podman(['build', '--network', 'none', '--build-arg', `BASE_IMAGE=${baseImage}`, '-t', ref, '-f', join(ctx, 'Containerfile'), ctx]);
  const buildMs = performance.now() - t0;
  // Every library resolves inside the image, and the binary starts.
  const ldd = await podman(['run', '--rm', '--network', 'none', '--entrypoint', 'ldd', ref, '/fluent-bit/bin/fluent-bit']);
  if (/not found/.test(ldd)) throw new Error(`in ${ref}: ${ldd}`);
  const version = await podman(['run', '--rm', '--network', 'none', ref, '--version']);
  if (!/Fluent Bit v5\./.test(version)) throw new Error(`${ref} --version: ${version}`);
  return { buildMs, libraries };
}
