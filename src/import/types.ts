// What the importer's parsers share: where a value came from, what it could not
// map, and the one error that stops `railyard init` (bad input, named by file and line).

/** A file and line, as `config/schedule.rb:14`; the line is omitted when unknown. */
export interface Source {
  file: string;
  line?: number;
}

export const where = (s: Source): string => (s.line === undefined ? s.file : `${s.file}:${s.line}`);

/** Something read from the app that the config cannot say, or should not say without a person deciding. */
export interface Todo {
  source: Source;
  message: string;
  /** What the line would have become, written commented out so nothing has to be retyped. */
  draft?: string;
}

/** Something worth saying that needs no action (a file skipped, a default chosen). */
export interface Note {
  source: Source;
  message: string;
}

/** Unreadable input: init writes nothing and exits 2, naming every problem's file and line. */
export class ImportError extends Error {
  constructor(readonly problems: { source: Source; message: string }[]) {
    super(problems.map((p) => `${where(p.source)}: ${p.message}`).join('\n'));
    this.name = 'ImportError';
  }
}

export function importError(file: string, line: number | undefined, message: string): ImportError {
  return new ImportError([{ source: { file, line }, message }]);
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Refuses text that is not text: a NUL byte or invalid UTF-8 (decoded as U+FFFD) means a binary or corrupt file. */
export function assertText(file: string, text: string): void {
  const nul = text.indexOf('\0');
  if (nul >= 0) throw importError(file, lineAt(text, nul), 'not a text file (it holds a NUL byte)');
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) throw importError(file, lineAt(text, bad), 'not valid UTF-8');
}
