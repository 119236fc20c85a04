// How a deploy shows progress. On a TTY: one line per rollout, redrawn in
// place. Elsewhere (CI logs): a plain line whenever a rollout's state changes.
// With --json the progress goes to stderr and stdout carries only the summary.
import type { Reporter } from './index.js';
import type { RolloutState } from './rollout.js';

export interface Colours {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cyan(s: string): string;
}

const plainColours: Colours = { red: (s) => s, yellow: (s) => s, green: (s) => s, dim: (s) => s, bold: (s) => s, cyan: (s) => s };

export function createReporter(stream: { write(s: string): unknown; isTTY?: boolean }, opts: { colours?: Colours; quiet?: boolean } = {}): Reporter {
  const c = opts.colours ?? plainColours;
  const tty = Boolean(stream.isTTY);
  const last = new Map<string, string>();
  let drawn = 0;
  const out = (s: string) => {
    if (tty && drawn > 0) drawn = 0; // a new message ends the live block; it stays as the last drawn state
    stream.write(s);
  };
  const mark = (s: RolloutState) => (s.failed ? c.red('✗') : s.done ? c.green('✓') : c.yellow('…'));
  return {
    step: (m) => !opts.quiet && out(`${c.bold('==')} ${m}\n`),
    info: (m) => !opts.quiet && out(`   ${m}\n`),
    warn: (m) => out(`${c.yellow('warning')}: ${m}\n`),
    log: (line) => !opts.quiet && out(`   ${c.dim('|')} ${line}\n`),
    rollouts(states) {
      if (opts.quiet) return;
      if (tty) {
        // Redraw the block of rollout lines in place.
        const lines = states.map((s) => `   ${mark(s)} ${s.name.padEnd(36)} ${s.message}`);
        let buf = drawn > 0 ? `\u001b[${drawn}A` : '';
        for (const l of lines) buf += `\u001b[2K${l}\n`;
        stream.write(buf);
        drawn = lines.length;
        return;
      }
      for (const s of states) {
        const line = `${s.done ? 'done' : s.failed ? 'FAILED' : 'waiting'} ${s.message}`;
        if (last.get(s.name) === line) continue;
        last.set(s.name, line);
        stream.write(`   ${s.name}: ${line}\n`);
      }
    },
  };
}
