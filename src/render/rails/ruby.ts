// Literals for the Ruby and YAML that railyard renders. Values from the app
// model are user input: they go into generated code only through these.

/**
 * A double-quoted Ruby string that reads back as exactly `s`. Not single
 * quotes: Ruby turns a CR LF inside any literal into LF, so control
 * characters must be escapes; `#` is escaped so that `#{` stays text.
 */
export function rubyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === '"' || ch === '#') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0xd800 && code <= 0xdfff) throw new Error('a lone UTF-16 surrogate cannot be written as UTF-8');
    else out += ch;
  }
  return out + '"';
}

/**
 * Model text inside a Ruby or YAML comment: a line break (YAML also breaks
 * lines at U+0085, U+2028 and U+2029) would end the comment and turn the
 * rest of the value into code.
 */
export function commentText(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** A Ruby Hash literal of string keys to integers, one entry per line, keys sorted. */
export function rubyStringIntHash(entries: Record<string, number>, indent: string): string {
  const keys = Object.keys(entries).sort();
  if (keys.length === 0) return '{}';
  const lines = keys.map((k) => `${indent}  ${rubyString(k)} => ${integer(entries[k]!)},`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

export function integer(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`expected an integer, got ${n}`);
  return String(n);
}

/** First line of every rendered Rails file: where it comes from and how to update it. */
export function header(app: { name: string }, target: string): string {
  return `# Rendered by railyard from the app model "${commentText(app.name)}" (railyard synth).
# Copy to ${target} in your Rails app; rerun \`railyard synth\` to update it.`;
}
