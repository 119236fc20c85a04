// What railyard diff shows, from plain objects: the noise it drops, the Secret rule,
// the one-line image summary and the three formats.
import { describe, expect, it } from 'vitest';
import { comparable, compareObject, formatMarkdown, formatText, onlyImages, secretKeyChanges } from '../../src/ops/diff-format.js';

const deployment = (image: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', labels: { app: 'a', 'app.kubernetes.io/version': image }, resourceVersion: '7', uid: 'u', generation: 3, managedFields: [{ manager: 'railyard' }], annotations: { 'deployment.kubernetes.io/revision': '4' } },
  spec: { replicas: 2, template: { metadata: { labels: { app: 'a', 'app.kubernetes.io/version': image } }, spec: { containers: [{ name: 'rails', image: `r/app:rails-${image}`, ...extra }] } } },
  status: { readyReplicas: 2 },
});

describe('railyard diff, pure parts', () => {
  it('leaves out status, server bookkeeping and the release version label', () => {
    expect(comparable(deployment('t1'))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ns', labels: { app: 'a' } },
      spec: { replicas: 2, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'rails', image: 'r/app:rails-t1' }] } } },
    });
    expect(compareObject(deployment('t1'), { ...deployment('t1'), status: { readyReplicas: 0 }, metadata: { ...deployment('t1').metadata, resourceVersion: '9' } })).toBeUndefined();
  });

  it('a new tag: one image line, no field diff printed', () => {
    const d = compareObject(deployment('t1'), deployment('t2'))!;
    expect(d).toMatchObject({ action: 'change', images: [{ container: 'rails', from: 'r/app:rails-t1', to: 'r/app:rails-t2' }] });
    expect(onlyImages(d)).toBe(true);
    expect(formatText({ version: { from: 't1', to: 't2' }, changes: [d] })).toBe('release t1 → t2\n\n~ change  Deployment/ns/web\n    image rails: rails-t1 → rails-t2\n');
  });

  it('any other change: the unified diff of the changed fields', () => {
    const d = compareObject(deployment('t1'), deployment('t1', { args: ['--x'] }))!;
    expect(onlyImages(d)).toBe(false);
    expect(d.patch).toMatch(/^@@ .* @@\n/);
    expect(d.patch).toContain('\n+        - args:\n+            - --x\n');
    expect(d.patch).not.toContain('resourceVersion');
  });

  it('Secrets: per key, values compared and never kept', () => {
    const s = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data });
    expect(secretKeyChanges(s({ A: 'YQ==', B: 'Yg==', C: 'Yw==' }), s({ A: 'YQ==', B: 'eg==', D: 'ZA==' }))).toEqual([
      { key: 'A', change: 'unchanged' },
      { key: 'B', change: 'changed' },
      { key: 'C', change: 'removed' },
      { key: 'D', change: 'added' },
    ]);
    const d = compareObject(s({ A: 'c2VjcmV0MQ==' }), s({ A: 'c2VjcmV0Mg==' }))!;
    expect(JSON.stringify(d) + formatText({ version: { to: 'x' }, changes: [d] }) + formatMarkdown({ version: { to: 'x' }, changes: [d] })).not.toMatch(/c2VjcmV0|secret[12]/);
    expect(compareObject(s({ A: 'YQ==' }), s({ A: 'YQ==' }))).toBeUndefined();
  });

  it('prints nothing without changes, as diff does; Markdown says so', () => {
    expect(formatText({ version: { from: 'a', to: 'a' }, changes: [] })).toBe('');
    expect(formatMarkdown({ version: { from: 'a', to: 'a' }, changes: [] })).toBe('### railyard diff\n\nNo changes.\n');
  });
});
