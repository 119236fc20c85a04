// Reading manifests and Dockerfiles: documents, line numbers, Lists, and what is unreadable.
import { describe, expect, it } from 'vitest';
import { parseDockerfile, parseManifests, UnreadableInput } from '../../src/check/index.js';

describe('parseManifests', () => {
  it('splits multi-document YAML and knows where each object starts', () => {
    const text = ['# leading comment', 'apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: a}', '---', '', '# comment only', '---', 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: b', '--- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}', '...', 'apiVersion: v1', 'kind: List', 'items:', '  - {apiVersion: v1, kind: Secret, metadata: {name: d}}', '  - {apiVersion: v1, kind: Secret, metadata: {name: e}}', ''].join('\n');
    const { objects, lines } = parseManifests(text, 'x.yaml');
    expect(objects.map((o) => o.metadata.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(lines).toEqual([2, 9, 13, 15, 15]);
  });
  it('keeps block scalars that contain --- indented inside them', () => {
    const text = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: a}', 'data:', '  x: |', '    ---', '    not a document', ''].join('\n');
    expect(parseManifests(text, 'x.yaml').objects[0]!.data.x).toBe('---\nnot a document\n');
  });
  it('names the file and line of what it cannot read', () => {
    const dup = ['apiVersion: v1', 'kind: ConfigMap', '---', 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: x', '  name: y', ''].join('\n');
    expect(() => parseManifests(dup, 'dup.yaml')).toThrowError(UnreadableInput);
    expect(() => parseManifests(dup, 'dup.yaml')).toThrowError(/^dup\.yaml: line 8: duplicated mapping key/);
    expect(() => parseManifests('- a\n- b\n', 'list.yaml')).toThrowError(/list\.yaml: line 1: a document must be a Kubernetes object/);
    expect(() => parseManifests('{"kind": ', 'x.json')).toThrowError(/x\.json: not valid JSON/);
    expect(parseManifests('{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"}}', 'x.json').objects).toHaveLength(1);
  });
});

describe('parseDockerfile', () => {
  const text = [
    'ARG BASE=ubuntu:noble',
    'FROM ${BASE} AS base',
    'ENV A=1 B="two words"',
    'ENV LEGACY value with spaces',
    'SHELL ["/bin/bash", "-l", "-c"]',
    'FROM base AS app',
    'ENV C=3 \\',
    '    D=4',
    'CMD bundle exec rails server',
    'FROM app AS worker',
    'CMD ["bash", "-lc", "exec bin/delayed_job run $POOLS"]',
    'FROM --platform=linux/amd64 debian:bookworm-slim',
    'FROM worker AS tini',
    'ENTRYPOINT ["tini", "--"]',
  ].join('\n');
  const stages = parseDockerfile(text, 'Dockerfile');
  it('reads stages, their base, inherited ENV and CMD in both forms', () => {
    expect(stages.map((s) => [s.name, s.from, s.source.line])).toEqual([
      ['base', 'ubuntu:noble', 2],
      ['app', 'base', 6],
      ['worker', 'app', 10],
      [undefined, 'debian:bookworm-slim', 12],
      ['tini', 'worker', 13],
    ]);
    // A new ENTRYPOINT drops the CMD it inherited.
    expect([stages[4]!.entrypoint, stages[4]!.cmd]).toEqual([['tini', '--'], undefined]);
    expect(stages[1]!.env).toEqual({ A: '1', B: 'two words', LEGACY: 'value with spaces', C: '3', D: '4' });
    expect(stages[1]!.cmd).toEqual(['/bin/sh', '-c', 'bundle exec rails server']);
    expect(stages[2]!.cmd).toEqual(['bash', '-lc', 'exec bin/delayed_job run $POOLS']);
    expect(stages[2]!.env.D).toBe('4');
  });
});
