// Just enough POSIX shell to read command lines out of crontabs and Procfiles:
// words with '…', "…" and \ quoting. Anything a word splitter cannot take
// literally (expansions, operators, globs) is reported, never interpreted.

export interface Word {
  value: string;
  /** The word as written, quotes included. */
  raw: string;
  /** Offset just past the word. */
  end: number;
  /** Holds $ outside single quotes (a variable or command substitution). */
  expands: boolean;
}

const OPERATOR = /[|&;<>()`]/;

/** Reads one word starting at `pos` (after leading blanks); undefined at the end or at an operator. */
export function readWord(text: string, pos: number): Word | undefined {
  let i = pos;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  if (i >= text.length || OPERATOR.test(text[i]!)) return undefined;
  const start = i;
  let value = '';
  let expands = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || OPERATOR.test(c)) break;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return undefined;
      value += text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < text.length && '$`"\\\n'.includes(text[i + 1]!)) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (d === '$' || d === '`') expands = true;
        value += d;
        i++;
      }
      if (!closed) return undefined;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return undefined;
      value += text[i + 1];
      i += 2;
    } else {
      if (c === '$') expands = true;
      value += c;
      i++;
    }
  }
  return { value, raw: text.slice(start, i), end: i, expands };
}

/**
 * Splits a simple command into words. Undefined when the line is more than a
 * list of words: an operator (&&, |, ;, >, …), an unclosed quote, or trailing text.
 */
export function splitWords(text: string): Word[] | undefined {
  const words: Word[] = [];
  let pos = 0;
  for (;;) {
    const w = readWord(text, pos);
    if (!w) break;
    words.push(w);
    pos = w.end;
  }
  if (text.slice(pos).trim() !== '') return undefined;
  return words;
}

/** Single-quotes a word for bash when it needs quoting. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
