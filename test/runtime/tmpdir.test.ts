// The TMPDIR the runtime gives the app when /tmp is an emptyDir (0777, no
// sticky bit), checked against real directories and the real Ruby: what Ruby's
// Dir.tmpdir says is the test, not our reading of it. The last case runs the
// built runtime in a mount namespace whose /tmp is a fresh tmpfs of mode 0777,
// as the kubelet makes an emptyDir.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PRIVATE_TMP_NAME, privateTmpdir } from '../../src/runtime/tmpdir.js';
import { NODE, baseEnv, runtimeBundle } from './support.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A directory of exactly `mode` (mkdir's mode is masked by the umask). */
function rootOf(mode: number): string {
  const d = mkdtempSync(join(tmpdir(), 'railyard-tmpdir-'));
  made.push(d);
  chmodSync(d, mode);
  return d;
}

/** What Ruby's Dir.tmpdir answers with this env and this TMPDIR candidate as its system dir. */
function rubyTmpdir(env: Record<string, string>, systemTmp: string): { ok: boolean; out: string } {
  // @@systmpdir is /tmp; the candidate stands in for it through TMP (checked the same way, before it).
  const r = spawnSync('ruby', ['-rtmpdir', '-e', 'print Dir.tmpdir'], { cwd: '/', env: { PATH: process.env.PATH!, TMP: systemTmp, ...env }, encoding: 'utf8' });
  return { ok: r.status === 0, out: r.status === 0 ? r.stdout : r.stderr };
}

describe('privateTmpdir', () => {
  it('Ruby itself refuses a 0777 directory and accepts 1777: the premise', () => {
    expect(rubyTmpdir({}, rootOf(0o1777)).ok).toBe(true);
    const refused = rubyTmpdir({}, rootOf(0o777));
    // It falls through to the host's /tmp (1777), so the answer is not the candidate.
    expect(refused.out).not.toContain('railyard-tmpdir-');
  });

  it('makes <root>/railyard-tmp, mode 0700, for a 0777 root; Ruby accepts it; a second call reuses it', () => {
    const root = rootOf(0o777);
    const d = privateTmpdir({}, root);
    expect(d).toMatchObject({ kind: 'private', dir: join(root, PRIVATE_TMP_NAME) });
    expect(statSync(join(root, PRIVATE_TMP_NAME)).mode & 0o7777).toBe(0o700);
    expect(rubyTmpdir({ TMPDIR: join(root, PRIVATE_TMP_NAME) }, root)).toEqual({ ok: true, out: join(root, PRIVATE_TMP_NAME) });
    expect(privateTmpdir({}, root)).toMatchObject({ kind: 'private', dir: join(root, PRIVATE_TMP_NAME) });
  });

  it.each([
    ['sticky 1777', 0o1777],
    ['0755', 0o755],
    ['0700', 0o700],
  ])('leaves a root Ruby accepts alone (%s)', (_, mode) => {
    const root = rootOf(mode);
    expect(privateTmpdir({}, root)).toMatchObject({ kind: 'keep' });
    expect(() => statSync(join(root, PRIVATE_TMP_NAME))).toThrow();
  });

  it('never overrides the Deployment’s TMPDIR: keeps it when it exists, makes it (0700, not its parents) when not', () => {
    const root = rootOf(0o777);
    const existing = rootOf(0o755);
    expect(privateTmpdir({ TMPDIR: existing }, root)).toEqual({ kind: 'keep', reason: 'TMPDIR is set and exists' });
    expect(statSync(existing).mode & 0o7777).toBe(0o755);
    const fresh = join(root, 'railyard-tmp');
    expect(privateTmpdir({ TMPDIR: fresh }, root)).toMatchObject({ kind: 'made', dir: fresh });
    expect(statSync(fresh).mode & 0o7777).toBe(0o700);
    expect(rubyTmpdir({ TMPDIR: fresh }, root)).toEqual({ ok: true, out: fresh });
    expect(privateTmpdir({ TMPDIR: fresh }, root)).toMatchObject({ kind: 'keep' });
    expect(privateTmpdir({ TMPDIR: join(root, 'no/such/parent') }, root)).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/could not be made: ENOENT$/) });
  });

  it('ignores a root that is missing or not a directory', () => {
    expect(privateTmpdir({}, join(tmpdir(), 'railyard-no-such-dir'))).toMatchObject({ kind: 'keep' });
    const file = join(rootOf(0o755), 'f');
    writeFileSync(file, '');
    expect(privateTmpdir({}, file)).toMatchObject({ kind: 'keep' });
  });

  it('does not trust a railyard-tmp it did not make: a symlink, a file, another uid, or group/world-writable', () => {
    const cases: [string, (p: string) => void][] = [
      ['symlink', (p) => symlinkSync(rootOf(0o700), p)],
      ['file', (p) => writeFileSync(p, '')],
      ['world-writable', (p) => (mkdirSync(p), chmodSync(p, 0o777))],
      ['group-writable', (p) => (mkdirSync(p), chmodSync(p, 0o770))],
    ];
    for (const [what, plant] of cases) {
      const root = rootOf(0o777);
      plant(join(root, PRIVATE_TMP_NAME));
      const d = privateTmpdir({}, root);
      expect(d.kind, what).toBe('private');
      const dir = (d as { dir: string }).dir;
      expect(dir, what).not.toBe(join(root, PRIVATE_TMP_NAME));
      expect(dir.startsWith(join(root, `${PRIVATE_TMP_NAME}-`)), what).toBe(true);
      expect(statSync(dir).mode & 0o7777, what).toBe(0o700);
    }
    // Another uid: the directory is ours only when its owner is the caller.
    const root = rootOf(0o777);
    mkdirSync(join(root, PRIVATE_TMP_NAME), 0o700);
    expect((privateTmpdir({}, root, (process.getuid?.() ?? 0) + 1) as { dir: string }).dir).not.toBe(join(root, PRIVATE_TMP_NAME));
  });
});

describe('the runtime under an emptyDir-like /tmp', () => {
  const hasUnshare = spawnSync('unshare', ['--mount', 'true']).status === 0;

  it('gives the app a TMPDIR Ruby accepts, and says so in one JSON line', async () => {
    expect(hasUnshare, 'unshare --mount (util-linux, as root) runs the runtime with its own /tmp').toBe(true);
    const bundle = await runtimeBundle();
    // A private mount namespace: /tmp is a fresh tmpfs of mode 0777, as the kubelet makes an emptyDir.
    const script = `mount -t tmpfs -o mode=0777 tmpfs /tmp && exec "$0" "$@"`;
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, NODE, bundle, 'migrate', '--', 'ruby', '-rtmpdir', '-e', 'puts "tmpdir=#{Dir.tmpdir}"'], {
      env: baseEnv({ PROCESS_TARGET: 'migrate' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { message: string; level: string });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(lines.find((l) => l.message.startsWith('TMPDIR='))).toMatchObject({ level: 'info', message: expect.stringMatching(/^TMPDIR=\/tmp\/railyard-tmp for the app: \/tmp is world-writable without the sticky bit/) });
    expect(lines.map((l) => l.message)).toContain('tmpdir=/tmp/railyard-tmp');
    // And without the runtime, the same Ruby in the same /tmp raises, as the
    // pod's uid 1000 (root could write to "." and Ruby would settle for it).
    const bare = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'ruby', '-rtmpdir', '-e', 'Dir.chdir("/") { puts Dir.tmpdir }'], { env: { PATH: process.env.PATH! }, encoding: 'utf8' });
    expect(bare.status, bare.stdout).not.toBe(0);
    expect(bare.stderr).toMatch(/could not find a temporary directory/);
  });

  it('says so in a warning when no private directory can be made (a read-only 0777 /tmp)', async () => {
    const bundle = await runtimeBundle();
    const script = `mount -t tmpfs -o mode=0777,ro tmpfs /tmp && exec "$0" "$@"`;
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, NODE, bundle, 'migrate', '--', 'true'], { env: baseEnv({ PROCESS_TARGET: 'migrate' }), encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const warn = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { message: string; level: string }).find((l) => l.level === 'warn');
    expect(warn?.message).toMatch(/^\/tmp is world-writable without the sticky bit .*no private directory could be made in it: EROFS; Ruby's Dir\.tmpdir may raise$/);
  });

  it('makes the TMPDIR the rendered Deployment sets, which the app and a `kubectl exec` beside it then share', async () => {
    const bundle = await runtimeBundle();
    // As the pod's non-root user throughout: the runtime, its app, then a process started beside it with the same env.
    const asApp = `"$RY_NODE" "$RY_BUNDLE" migrate -- ruby -rtmpdir -e 'puts "tmpdir=#{Dir.tmpdir}"' && cd / && ruby -rtmpdir -e 'puts "exec=#{Dir.tmpdir}"'`;
    const script = `mount -t tmpfs -o mode=0777 tmpfs /tmp && exec setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "$0"`;
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, asApp], {
      env: baseEnv({ PROCESS_TARGET: 'migrate', TMPDIR: '/tmp/railyard-tmp', RY_NODE: NODE, RY_BUNDLE: bundle }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    const messages = out.filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { message: string }).message);
    expect(messages).toEqual(expect.arrayContaining(['made TMPDIR /tmp/railyard-tmp, mode 0700: TMPDIR is set and did not exist (a fresh emptyDir)', 'tmpdir=/tmp/railyard-tmp']));
    expect(out.filter((l) => !l.startsWith('{'))).toEqual(['exec=/tmp/railyard-tmp']);
  });
});
