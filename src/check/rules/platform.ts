// Platform: what the cluster and its ecosystem no longer support.
import type { CheckContext, RawFinding, Rule } from '../types.js';

const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';

function usesIngressNginx(o: Record<string, any>): boolean {
  const ann = (o.metadata?.annotations ?? {}) as Record<string, string>;
  return o.spec?.ingressClassName === 'nginx' || ann['kubernetes.io/ingress.class'] === 'nginx' || Object.keys(ann).some((k) => k.startsWith(NGINX_PREFIX));
}

export const ingressNginx: Rule = {
  id: 'ingress-nginx-retired',
  family: 'platform',
  severity: 'warning',
  why: 'The Ingress NGINX controller was retired in March 2026: no more releases or security fixes.',
  fix: 'Move to the Gateway API (railyard: routing.kind "gateway", see examples/storecove-gateway) with a maintained implementation such as NGINX Gateway Fabric.',
  peers: {},
  check: ({ objects }) =>
    objects
      .filter((o) => o.kind === 'Ingress' && usesIngressNginx(o))
      .map((o) => ({ object: o, path: o.spec?.ingressClassName === 'nginx' ? 'spec.ingressClassName' : 'metadata.annotations', message: 'served by ingress-nginx, retired in March 2026' })),
};

export const nginxSnippets: Rule = {
  id: 'nginx-snippet-annotation',
  family: 'platform',
  severity: 'error',
  why: 'ingress-nginx disables snippet annotations by default (allow-snippet-annotations: false since v1.9, after CVE-2021-25742); its admission webhook refuses the Ingress.',
  fix: 'Drop the snippet; set headers through the controller\'s ConfigMap or a Gateway API filter.',
  peers: {},
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const o of objects.filter((x) => x.kind === 'Ingress')) {
      for (const k of Object.keys(o.metadata?.annotations ?? {})) {
        if (k.startsWith(NGINX_PREFIX) && k.endsWith('-snippet')) out.push({ object: o, path: `metadata.annotations.${k}`, message: `annotation ${k} is refused while snippets are disabled (the default)` });
      }
    }
    return out;
  },
};

/** End of standard (free) security support, by image and tag. Sources: each vendor's release calendar. */
const EOL: { image: RegExp; tag: RegExp; name: string; end: string }[] = [
  { image: /^(docker\.io\/)?(library\/)?ubuntu$/, tag: /^(14\.04|trusty)/, name: 'Ubuntu 14.04', end: '2019-04-30' },
  { image: /^(docker\.io\/)?(library\/)?ubuntu$/, tag: /^(16\.04|xenial)/, name: 'Ubuntu 16.04', end: '2021-04-30' },
  { image: /^(docker\.io\/)?(library\/)?ubuntu$/, tag: /^(18\.04|bionic)/, name: 'Ubuntu 18.04', end: '2023-05-31' },
  { image: /^(docker\.io\/)?(library\/)?ubuntu$/, tag: /^(20\.04|focal)/, name: 'Ubuntu 20.04 (focal)', end: '2025-05-31' },
  { image: /^(docker\.io\/)?(library\/)?ubuntu$/, tag: /^(22\.04|jammy)/, name: 'Ubuntu 22.04', end: '2027-05-31' },
  { image: /^(docker\.io\/)?(library\/)?ubuntu$/, tag: /^(24\.04|noble)/, name: 'Ubuntu 24.04', end: '2029-05-31' },
  { image: /^(docker\.io\/)?(library\/)?debian$/, tag: /^(8|jessie)/, name: 'Debian 8', end: '2020-06-30' },
  { image: /^(docker\.io\/)?(library\/)?debian$/, tag: /^(9|stretch)/, name: 'Debian 9', end: '2022-06-30' },
  { image: /^(docker\.io\/)?(library\/)?debian$/, tag: /^(10|buster)/, name: 'Debian 10', end: '2024-06-30' },
  { image: /^(docker\.io\/)?(library\/)?debian$/, tag: /^(11|bullseye)/, name: 'Debian 11 (LTS)', end: '2026-08-31' },
  { image: /^(docker\.io\/)?(library\/)?ruby$/, tag: /^2\./, name: 'Ruby 2.x', end: '2023-03-31' },
  { image: /^(docker\.io\/)?(library\/)?ruby$/, tag: /^3\.0(\.|-|$)/, name: 'Ruby 3.0', end: '2024-04-23' },
  { image: /^(docker\.io\/)?(library\/)?ruby$/, tag: /^3\.1(\.|-|$)/, name: 'Ruby 3.1', end: '2025-03-26' },
  { image: /^(docker\.io\/)?(library\/)?ruby$/, tag: /^3\.2(\.|-|$)/, name: 'Ruby 3.2', end: '2026-03-31' },
  { image: /^(docker\.io\/)?(library\/)?ruby$/, tag: /^3\.3(\.|-|$)/, name: 'Ruby 3.3', end: '2027-03-31' },
  { image: /^(docker\.io\/)?(library\/)?node$/, tag: /^(1[0-6]|[0-9])(\.|-|$)/, name: 'Node.js ≤ 16', end: '2023-09-11' },
  { image: /^(docker\.io\/)?(library\/)?node$/, tag: /^18(\.|-|$)/, name: 'Node.js 18', end: '2025-04-30' },
  { image: /^(docker\.io\/)?(library\/)?node$/, tag: /^20(\.|-|$)/, name: 'Node.js 20', end: '2026-04-30' },
  { image: /^(docker\.io\/)?(library\/)?alpine$/, tag: /^3\.(1[0-9]|[0-9])(\.|$)/, name: 'Alpine ≤ 3.19', end: '2025-11-01' },
  { image: /^(docker\.io\/)?(library\/)?alpine$/, tag: /^3\.20(\.|$)/, name: 'Alpine 3.20', end: '2026-04-01' },
];

/** The EOL entry for an image reference, if its support has ended by `now`. */
export function endOfLife(image: string, now: Date): { name: string; end: string } | undefined {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const repo = colon > slash ? noDigest.slice(0, colon) : noDigest;
  const tag = colon > slash ? noDigest.slice(colon + 1) : 'latest';
  const hit = EOL.find((e) => e.image.test(repo) && e.tag.test(tag));
  return hit && new Date(`${hit.end}T23:59:59Z`) < now ? hit : undefined;
}

export const baseImageEol: Rule = {
  id: 'base-image-eol',
  family: 'platform',
  severity: 'warning',
  why: 'A base image past its end of life gets no security updates: every CVE found from then on stays in the image.',
  fix: 'Build FROM a supported release (ubuntu:noble, debian:bookworm, a current ruby image).',
  peers: {},
  check: (ctx: CheckContext) => {
    const out: RawFinding[] = [];
    const stageNames = new Set(ctx.docker.map((s) => s.name).filter(Boolean));
    for (const s of ctx.docker) {
      if (stageNames.has(s.from)) continue;
      const eol = endOfLife(s.from, ctx.options.now);
      if (eol) out.push({ object: { kind: 'Dockerfile', name: s.name ?? s.from }, path: 'FROM', source: s.source, message: `FROM ${s.from}: ${eol.name} reached end of life on ${eol.end}` });
    }
    // The model's base image stands in for a Dockerfile only when none was read.
    for (const image of ctx.docker.length ? [] : ctx.facts.baseImages) {
      const eol = endOfLife(image, ctx.options.now);
      if (eol) out.push({ object: { kind: 'Dockerfile', name: 'base' }, path: 'image.base', message: `FROM ${image}: ${eol.name} reached end of life on ${eol.end}` });
    }
    return out;
  },
};

export const platformRules: Rule[] = [ingressNginx, nginxSnippets, baseImageEol];
