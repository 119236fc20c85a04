// A temporary directory Ruby accepts, for the app processes.
//
// Ruby's Dir.tmpdir refuses a directory anyone may write to unless it has the
// sticky bit ("/tmp is world-writable"), falls back to ".", and raises
// "could not find a temporary directory" when that is not writable either.
// A Kubernetes emptyDir is created mode 0777 without the sticky bit, and
// railyard mounts one at /tmp to keep the root filesystem read-only, with the
// app's code root-owned. So every Ruby process that asks for Dir.tmpdir dies:
// racecar asks when its config class loads, and Bundler.require loads racecar
// in every process of an app that has it in its Gemfile (found by the real
// racecar on the real node; an image's own /tmp is 1777 and hides it).
//
// The rendered containers set TMPDIR=/tmp/railyard-tmp (APP_TMPDIR in
// src/render/kubernetes/pod.ts), so that what `kubectl exec` runs beside the
// runtime has it too; an emptyDir starts empty, so the runtime makes that
// directory (mode 0700) before the app starts. Without TMPDIR (an image run
// by hand, another renderer) it gives its children one of its own inside a
// world-writable /tmp. It never overrides a TMPDIR that is set, and leaves a
// /tmp Ruby already accepts alone.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The private directory's name; a restarted container (same emptyDir) reuses it. */
export const PRIVATE_TMP_NAME = 'railyard-tmp';

export type TmpdirDecision =
  /** Nothing to do: TMPDIR names a directory that exists, or Ruby accepts `root` as it is (or it is not there). */
  | { kind: 'keep'; reason: string }
  /** TMPDIR named a directory that did not exist; it was made, mode 0700. */
  | { kind: 'made'; dir: string; reason: string }
  /** Give the children TMPDIR=dir. */
  | { kind: 'private'; dir: string; reason: string }
  /** `root` needs one and none could be made: Ruby's Dir.tmpdir will fail. */
  | { kind: 'failed'; reason: string };

const S_ISVTX = 0o1000;

export function privateTmpdir(env: Record<string, string | undefined>, root = '/tmp', uid = process.getuid?.() ?? -1): TmpdirDecision {
  if (env.TMPDIR) return ensureTmpdir(env.TMPDIR);
  let mode: number;
  try {
    const st = statSync(root);
    if (!st.isDirectory()) return { kind: 'keep', reason: `${root} is not a directory` };
    mode = st.mode;
  } catch {
    return { kind: 'keep', reason: `${root} does not exist` };
  }
  if ((mode & 0o002) === 0 || (mode & S_ISVTX) !== 0) return { kind: 'keep', reason: `${root} is acceptable to Ruby` };

  const why = `${root} is world-writable without the sticky bit (an emptyDir is 0777), which Ruby's Dir.tmpdir refuses`;
  const dir = join(root, PRIVATE_TMP_NAME);
  try {
    if (!mkdirPrivate(dir)) {
      // Reuse it only if it is plainly ours: a real directory, our uid, writable by no one else.
      const st = lstatSync(dir);
      const ours = st.isDirectory() && !st.isSymbolicLink() && (uid < 0 || st.uid === uid) && (st.mode & 0o022) === 0;
      if (!ours) return { kind: 'private', dir: mkdtempSync(join(root, `${PRIVATE_TMP_NAME}-`)), reason: `${why}; ${dir} is not ours, so a fresh one` };
      chmodSync(dir, 0o700);
    }
    return { kind: 'private', dir, reason: why };
  } catch (e) {
    return { kind: 'failed', reason: `${why}, and no private directory could be made in it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
}

/** TMPDIR as set: made (not its parents) when missing, since the emptyDir it lives in starts empty. */
function ensureTmpdir(dir: string): TmpdirDecision {
  try {
    if (!mkdirPrivate(dir)) return { kind: 'keep', reason: 'TMPDIR is set and exists' };
  } catch (e) {
    return { kind: 'failed', reason: `TMPDIR=${dir} does not exist and could not be made: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  return { kind: 'made', dir, reason: 'TMPDIR is set and did not exist (a fresh emptyDir)' };
}

/** Makes `dir` with mode 0700: true when made, false when it was there already; any other failure throws. */
function mkdirPrivate(dir: string): boolean {
  try {
    mkdirSync(dir, 0o700);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  // mkdir's mode is masked by the umask; 0700 is what is wanted, whatever it is.
  chmodSync(dir, 0o700);
  return true;
}
