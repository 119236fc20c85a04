// Just enough of a Dockerfile for the checks: stages, their base image, ENV and CMD.
// The design document's CMDs carry what its manifests leave out (the racecar
// consumers' KAFKA_* variables, --sasl-password in argv), so --manifests mode reads
// Dockerfiles found next to the YAML.
import type { DockerStage } from './types.js';

/** Joins continuation lines, keeping the line number each instruction starts on. */
function instructions(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (buf === '' && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (buf === '') start = i + 1;
    if (line.endsWith('\\')) buf += line.slice(0, -1) + ' ';
    else {
      buf += line;
      out.push({ line: start, text: buf.trim() });
      buf = '';
    }
  });
  if (buf.trim()) out.push({ line: start, text: buf.trim() });
  return out;
}

/** Parses ENV's two forms: `ENV A=1 B="2"` and the legacy `ENV A 1`. */
function parseEnv(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const m = /^(\S+)\s+(.*)$/.exec(args);
    if (m) out[m[1]!] = m[2]!;
    return out;
  }
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
    out[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  }
  return out;
}

export function parseDockerfile(text: string, file: string): DockerStage[] {
  const stages: DockerStage[] = [];
  let current: DockerStage | undefined;
  let shell = ['/bin/sh', '-c'];
  const args: Record<string, string> = {};
  for (const ins of instructions(text)) {
    const m = /^([A-Za-z]+)\s+(.*)$/s.exec(ins.text);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const rest = m[2]!;
    if (op === 'ARG' && !current) {
      const [k, v] = rest.split('=');
      if (k) args[k.trim()] = (v ?? '').trim();
    } else if (op === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(rest);
      if (!f) continue;
      const from = f[1]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => args[n] ?? '');
      const parent = stages.find((s) => s.name === from);
      current = { name: f[2], from, env: { ...(parent?.env ?? {}) }, cmd: parent?.cmd, entrypoint: parent?.entrypoint, source: { file, line: ins.line } };
      shell = ['/bin/sh', '-c'];
      stages.push(current);
    } else if (!current) {
      continue;
    } else if (op === 'ENV') {
      Object.assign(current.env, parseEnv(rest));
    } else if (op === 'SHELL') {
      try {
        shell = JSON.parse(rest);
      } catch {
        // keep the previous shell
      }
    } else if (op === 'CMD' || op === 'ENTRYPOINT') {
      let argv: string[];
      try {
        argv = rest.trim().startsWith('[') ? (JSON.parse(rest) as string[]).map(String) : [...shell, rest];
      } catch {
        argv = [...shell, rest];
      }
      if (op === 'CMD') current.cmd = argv;
      else {
        current.entrypoint = argv;
        // A new ENTRYPOINT resets an inherited CMD, as docker build does.
        current.cmd = undefined;
      }
    }
  }
  return stages;
}
