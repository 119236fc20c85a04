// Racecar consumers in app/consumers: each class that inherits from
// Racecar::Consumer, with the topics it `subscribes_to`. Module nesting
// (`module Kafka; module Consumers; class X`) gives the full constant.
import { assertText, type Source } from './types.js';

export interface RacecarConsumer {
  className: string;
  topics: string[];
  source: Source;
  /** `self.group_id = "…"` when the class sets one. */
  groupId?: string;
}

export function parseConsumers(text: string, file: string): RacecarConsumer[] {
  assertText(file, text);
  const out: RacecarConsumer[] = [];
  const stack: { name: string | undefined; kind: 'module' | 'class' | 'block' }[] = [];
  let current: RacecarConsumer | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trimEnd();
    const t = line.trim();
    if (t === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^module\s+([A-Z][A-Za-z0-9_:]*)\s*(;\s*end)?$/.exec(t))) {
      if (!m[2]) stack.push({ name: m[1], kind: 'module' });
      continue;
    }
    if ((m = /^class\s+(::)?([A-Z][A-Za-z0-9_:]*)\s*(?:<\s*(?:::)?([A-Z][A-Za-z0-9_:]*))?/.exec(t))) {
      // `class ::X` is top-level whatever the nesting.
      const name = m[1] ? m[2]! : [...stack.filter((s) => s.kind !== 'block' && s.name).map((s) => s.name!), m[2]!].join('::');
      stack.push({ name: m[2], kind: 'class' });
      if (m[3] === 'Racecar::Consumer') {
        current = { className: name, topics: [], source: { file, line: i + 1 } };
        out.push(current);
      } else current = undefined;
      if (/;\s*end$/.test(t)) stack.pop();
      continue;
    }
    if (current && (m = /^subscribes_to\s*\(?(.*)$/.exec(t))) {
      for (const s of m[1]!.matchAll(/["']([^"']+)["']|:([A-Za-z_][A-Za-z0-9_]*)/g)) {
        // options (start_from_beginning: false) are keyword arguments, not topics
        const after = m[1]!.slice(s.index! + s[0].length);
        if (s[2] && /^\s*:/.test(after)) continue;
        if (/^\s*:(?!:)/.test(after) && s[1]) continue;
        current.topics.push(s[1] ?? s[2]!);
      }
      continue;
    }
    if (current && (m = /^self\.group_id\s*=\s*["']([^"']+)["']/.exec(t))) {
      current.groupId = m[1]!;
      continue;
    }
    if (/^end\b/.test(t)) {
      const popped = stack.pop();
      if (popped?.kind === 'class') current = undefined;
      continue;
    }
    if (/\b(do|begin)\b(\s*\|[^|]*\|)?\s*$/.test(t) || /^(def|if|unless|while|until|case)\b/.test(t)) {
      if (!/\bend$/.test(t)) stack.push({ name: undefined, kind: 'block' });
    }
  }
  return out;
}
