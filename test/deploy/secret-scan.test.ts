// The test of the deploy e2e's secret scan (test/support/secret-scan.ts): a
// planted value that leaks, in any form railyard could write it, is found, and
// named by its label and place. Without this, an empty scan result in the e2e
// would prove nothing.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findLeaks, formsOf, kubeconfigCredentials, MIN_PLANTED_LENGTH, releaseRecordText, type Planted } from '../support/secret-scan.js';

const planted = (value: string, label = 'Secret app-db/DATABASE_PASSWORD'): Planted => ({ label, value });
const sv = () => `sv-${randomBytes(10).toString('hex')}`;

describe('the secret scan', () => {
  it('finds nothing where nothing leaked, and something where a value did', () => {
    const v = sv();
    const clean = [{ name: 'deploy stdout', text: '== lock e2e/storecove\n== preflight: server-side dry run of 40 objects\n' }];
    expect(findLeaks([planted(v)], clean)).toEqual([]);
    expect(findLeaks([planted(v)], [...clean, { name: 'deploy --json stdout', text: `{"failure":{"reason":"bad password ${v}"}}` }])).toEqual([{ label: 'Secret app-db/DATABASE_PASSWORD', place: 'deploy --json stdout', form: 'as is' }]);
  });

  it('finds a value as a Secret holds it (base64), inside a release record, in a Rollbar payload and in a URL', () => {
    const v = sv();
    const secretObject = JSON.stringify({ kind: 'Secret', data: { DATABASE_PASSWORD: Buffer.from(v).toString('base64') } });
    const record = { metadata: { name: 'storecove-release-3' }, data: { release: gzipSync(JSON.stringify({ objects: [{ kind: 'Deployment', env: [{ name: 'X', value: v }] }] })).toString('base64') } };
    const places = [
      { name: 'release record 3', text: releaseRecordText(record) },
      { name: 'applied objects', text: secretObject },
      { name: 'Rollbar POST body', text: JSON.stringify({ comment: `deploy of ${v}` }) },
      { name: 'Rollbar PATCH url', text: `/api/1/deploy/4242?access_token=${encodeURIComponent(v)}` },
    ];
    expect(findLeaks([planted(v)], places).map((l) => `${l.place}: ${l.form}`)).toEqual(['release record 3: as is', 'applied objects: base64', 'Rollbar POST body: as is', 'Rollbar PATCH url: as is']);
  });

  it('a release record is scanned as railyard wrote it: gzip undone, and the raw record alone hides the value', () => {
    const v = sv();
    const record = { metadata: { name: 'r' }, data: { release: gzipSync(`{"note":"${v}"}`).toString('base64') } };
    expect(findLeaks([planted(v)], [{ name: 'raw', text: JSON.stringify(record) }])).toEqual([]);
    expect(findLeaks([planted(v)], [{ name: 'decoded', text: releaseRecordText(record) }])).toHaveLength(1);
  });

  it('finds any value in any form it could take, wherever it sits in a longer text (property)', () => {
    const value = fc.string({ unit: 'binary', minLength: MIN_PLANTED_LENGTH, maxLength: 60 });
    const around = fc.string({ unit: 'binary', maxLength: 40 });
    const encoding = fc.constantFrom('as is', 'json', 'url', 'base64 alone', 'base64 inside', 'base64url inside');
    fc.assert(
      fc.property(value, around, around, encoding, (v, before, after, how) => {
        const whole = before + v + after;
        const text =
          how === 'as is' ? whole
          : how === 'json' ? JSON.stringify({ message: whole })
          : how === 'url' ? `https://api.example/x?q=${encodeURIComponent(whole)}`
          : how === 'base64 alone' ? `data: ${Buffer.from(v).toString('base64')}`
          : how === 'base64 inside' ? Buffer.from(whole).toString('base64')
          : Buffer.from(whole).toString('base64url');
        expect(findLeaks([planted(v)], [{ name: 'p', text }])).toHaveLength(1);
      }),
      { numRuns: 500 },
    );
  });

  it('does not take another value for the planted one, even one a character apart', () => {
    const v = sv();
    // A change in the middle: the base64-inside-a-text forms cover all but a byte or two at either end.
    const mid = Math.floor(v.length / 2);
    const near = v.slice(0, mid) + (v[mid] === '0' ? '1' : '0') + v.slice(mid + 1);
    for (const other of [near, sv()]) for (const f of formsOf(other)) expect(findLeaks([planted(v)], [{ name: f.form, text: `x ${f.text} y` }]), f.form).toEqual([]);
  });

  it('refuses to scan for a value too short to mean anything', () => {
    expect(() => findLeaks([planted('short')], [])).toThrow(/too short/);
  });

  it('takes the key material out of a kubeconfig, the PEM lines of a client key included', () => {
    const pem = ['-----BEGIN EC PRIVATE KEY-----', 'MHcCAQEEIBkKq0vXwQ2r8m3k1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u', 'oAoGCCqGSM49AwEHoUQDQgAE1234567890abcdefghijklmnopqrstuvwxyzABCD', '-----END EC PRIVATE KEY-----', ''].join('\n');
    const creds = kubeconfigCredentials({ users: [{ name: 'admin', user: { 'client-certificate-data': 'Y2VydA==', 'client-key-data': Buffer.from(pem).toString('base64') } }, { name: 'ci', user: { token: 'tok-0123456789abcdef' } }] });
    expect(creds.map((c) => c.label)).toEqual(['kubeconfig user admin: client-key-data', 'kubeconfig user admin: client key, PEM line 1', 'kubeconfig user admin: client key, PEM line 2', 'kubeconfig user ci: token']);
    // A key printed as PEM is found by its lines.
    expect(findLeaks(creds, [{ name: 'stderr', text: `error: ${pem}` }]).map((l) => l.label)).toEqual(['kubeconfig user admin: client key, PEM line 1', 'kubeconfig user admin: client key, PEM line 2']);
  });
});
