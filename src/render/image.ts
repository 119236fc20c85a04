// Image references. Every image is pinned to `<target>-<tag>`, the tag being the
// commit: re-applying a changed tag starts a rollout, and the previous
// ReplicaSet keeps the previous tag to roll back to. `latest` gives neither.
import type { App } from '../config/schema.js';

/**
 * Docker's tag grammar, narrowed to what can also be a label value (the tag is
 * `app.kubernetes.io/version`): at most 63 characters, ending in a letter or digit.
 */
const TAG = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;

export class ImageTagError extends Error {
  override name = 'ImageTagError';
}

/** Throws unless `tag` is a usable, pinned tag (or `latest` was explicitly allowed). */
export function validateImageTag(tag: string, opts: { allowLatest?: boolean } = {}): void {
  if (!TAG.test(tag)) throw new ImageTagError(`--image-tag "${tag}" is not a valid image tag (letters, digits, "_", "." and "-", ending in a letter or digit, at most 63 characters)`);
  if (/(^|-)latest$/i.test(tag) && !opts.allowLatest) {
    throw new ImageTagError(`--image-tag "${tag}" is mutable: a re-apply starts no rollout and there is nothing to roll back to. Use the commit SHA, or pass --allow-latest`);
  }
}

export function imageRef(app: App, target: string, tag: string): string {
  const full = `${target}-${tag}`;
  if (full.length > 128) throw new ImageTagError(`image tag "${full}" is longer than 128 characters; shorten --image-tag`);
  return `${app.image.registry.replace(/\/+$/, '')}/${app.image.repository}:${full}`;
}
