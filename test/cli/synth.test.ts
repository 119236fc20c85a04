// `railyard synth` as a user runs it: a real CLI process, real files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('bin/railyard.js');
let dir: string;

function railyard(args: string[], opts: { cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? process.cwd(), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name), `${prefix}${e.name}/`);
      else out.push(prefix + e.name);
    }
  };
  await walk(root, '');
  return out.sort();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'railyard-synth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('railyard synth', () => {
  it('renders the example, prints the summary and is byte-identical on rerun', async () => {
    const out = join(dir, 'a');
    const first = railyard(['synth', 'examples/storecove', '--out', out, '--image-tag', 'deadbeef1234']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^COMPONENT\s+KIND\s+REPLICAS\s+CPU req\/lim\s+MEMORY req\/lim\s+PORT\s+PROCESSES\/POD\s+SCHEDULE$/m);
    expect(first.stdout).toMatch(/^worker-secondary\s+Deployment\s+2-5\s+250m\/2000m\s+13Gi\/13Gi\s+3001\s+44 \(13 pools/m);
    expect(first.stdout).toMatch(/^kafka-sending-clearing\s+CronJob\s+100m\/500m\s+256Mi\/1Gi\s+1\s+\*\/10 \* \* \* \*$/m);
    const files = await listFiles(out);
    const contents = await Promise.all(files.map((f) => readFile(join(out, f), 'utf8')));
    const second = railyard(['synth', 'examples/storecove', '--out', out, '--image-tag', 'deadbeef1234']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/0 written, \d+ unchanged/);
    expect(await listFiles(out)).toEqual(files);
    expect(await Promise.all(files.map((f) => readFile(join(out, f), 'utf8')))).toEqual(contents);
    expect(files.some((f) => f.includes('.railyard-tmp-'))).toBe(false);
  });

  it('--check exits 1 when an output is stale, names it, and writes nothing', async () => {
    const out = join(dir, 'b');
    expect(railyard(['synth', 'examples/storecove', '--out', out, '--image-tag', 'deadbeef1234', '--quiet']).code).toBe(0);
    expect(railyard(['synth', 'examples/storecove', '--out', out, '--image-tag', 'deadbeef1234', '--check']).code).toBe(0);
    await writeFile(join(out, 'k8s/worker-primary.yaml'), 'edited by hand\n');
    const r = railyard(['synth', 'examples/storecove', '--out', out, '--image-tag', 'deadbeef1234', '--check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('changed  k8s/worker-primary.yaml');
    expect(await readFile(join(out, 'k8s/worker-primary.yaml'), 'utf8')).toBe('edited by hand\n');
    const other = railyard(['synth', 'examples/storecove', '--out', out, '--image-tag', 'cafe0000', '--check', '--format', 'json']);
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stdout).upToDate).toBe(false);
  });

  it('removes files it rendered before but no longer renders (a dropped CronJob)', async () => {
    const src = join(dir, 'app');
    await mkdir(src, { recursive: true });
    const yaml = (tasks: string) => `name: shop\nnamespace: shop\nimage: { registry: r.example, repository: shop/app }\nweb: {}\ncron:\n  tasks:\n${tasks}`;
    await writeFile(join(src, 'railyard.config.yaml'), yaml('    - { name: one, schedule: "0 * * * *", command: rake one }\n    - { name: two, schedule: "0 * * * *", command: rake two }\n'));
    const out = join(dir, 'c');
    expect(railyard(['synth', src, '--out', out, '--image-tag', 'v1', '-q']).code).toBe(0);
    expect(await listFiles(join(out, 'k8s/cronjobs'))).toEqual(['one.yaml', 'two.yaml']);
    await writeFile(join(out, 'NOTES.md'), 'mine\n');
    await writeFile(join(src, 'railyard.config.yaml'), yaml('    - { name: one, schedule: "0 * * * *", command: rake one }\n'));
    const r = railyard(['synth', src, '--out', out, '--image-tag', 'v1']);
    expect(r.stdout).toContain('1 removed');
    expect(await listFiles(join(out, 'k8s/cronjobs'))).toEqual(['one.yaml']);
    expect(await readFile(join(out, 'NOTES.md'), 'utf8')).toBe('mine\n');
  });

  it('refuses an invalid config with exit 2, every problem named, and writes nothing', async () => {
    const src = join(dir, 'bad');
    await mkdir(src, { recursive: true });
    await writeFile(join(src, 'railyard.config.json'), JSON.stringify({ name: 'shop', namespace: 'shop', image: { registry: 'r', repository: 'shop/app' }, web: { port: 0 }, workers: { secondary: { name: 'worker-secondary', pools: [{ queues: ['a'] }, { queues: ['b'] }, { queues: ['c'] }, { queues: [] }] } } }));
    const out = join(dir, 'bad-out');
    const r = railyard(['synth', src, '--out', out, '--image-tag', 'v1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`invalid config ${join(src, 'railyard.config.json')}`);
    expect(r.stderr).toContain('workers.secondary.pools[3].queues: must not be empty');
    expect(r.stderr).toMatch(/web\.port: /);
    expect(r.stdout).toBe('');
    await expect(readdir(out)).rejects.toThrow();
  });

  it('refuses a latest tag unless --allow-latest, and malformed tags always', async () => {
    const out = join(dir, 'latest');
    const r = railyard(['synth', 'examples/storecove', '--out', out, '--image-tag', 'latest']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mutable/);
    await expect(readdir(out)).rejects.toThrow();
    expect(railyard(['synth', 'examples/storecove', '--out', out, '--image-tag', 'latest', '--allow-latest', '-q']).code).toBe(0);
    expect(railyard(['synth', 'examples/storecove', '--out', out, '--image-tag', 'bad tag']).code).toBe(2);
  });

  it('follows CLI conventions: --help, usage errors exit 2, no colour when not a TTY', () => {
    const help = railyard(['synth', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--image-tag <tag>');
    const missing = railyard(['synth', 'examples/storecove']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option/);
    const r = railyard(['synth', 'examples/storecove', '--out', join(dir, 'nc'), '--image-tag', 'x1']);
    expect(r.stdout).not.toContain('\u001b[');
    expect(railyard(['no-such-command']).code).toBe(2);
  });

  it('--format json gives the summary and what was written', () => {
    const r = railyard(['synth', 'examples/storecove-gateway', '--out', join(dir, 'gw'), '--image-tag', 'x1', '--format', 'json']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.written).toContain('k8s/gateway.yaml');
    expect(parsed.summary.find((row: { component: string }) => row.component === 'rails-server').replicas).toBe('2-10');
  });
});

describe('golden output', () => {
  it('test/golden/storecove is what synth renders (update: make golden)', () => {
    const r = railyard(['synth', 'examples/storecove', '--out', 'test/golden/storecove', '--image-tag', 'golden0000000', '--check', '--no-runtime']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const g = railyard(['synth', 'examples/storecove-gateway', '--out', 'test/golden/storecove-gateway', '--image-tag', 'golden0000000', '--check', '--no-runtime']);
    expect(g.code, g.stdout + g.stderr).toBe(0);
  });
});
