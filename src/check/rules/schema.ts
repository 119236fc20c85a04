// Schema: the kubernetes-models validators (types, required fields, enums) and
// unknown-field detection (kubectl's strict field validation refuses `imagePulPolicy`).
import { createRequire } from 'node:module';
import catalog from '../fields.json' with { type: 'json' };
import bundled from '../validators.bundle.cjs';
import { schemaModuleName } from '../validator-bundle.js';
import { unknownFields, type FieldCatalog } from '../field-catalog.js';
import type { K8sObject, RawFinding, Rule } from '../types.js';

const require = createRequire(import.meta.url);

type SchemaError = { instancePath: string; keyword?: string; message?: string; params?: Record<string, unknown> };
type Validator = (data: unknown) => SchemaError[] | null;
const validators = new Map<string, Validator | null>();

/** The kubernetes-models (or gateway-api models) validator for an apiVersion/kind, loaded on first use. */
function validatorFor(apiVersion: string, kind: string): Validator | null {
  const key = `${apiVersion} ${kind}`;
  if (validators.has(key)) return validators.get(key)!;
  let validator: Validator | null = null;
  const fromBundle = Object.hasOwn(bundled, key) ? bundled[key] : undefined;
  if (fromBundle) {
    validator = (data) => (fromBundle(data) ? null : ((fromBundle.errors ?? []) as SchemaError[]));
  } else if (/^[A-Z][A-Za-z0-9]*$/.test(kind) && /^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion)) {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const candidates = group === 'gateway.networking.k8s.io' ? [`@kubernetes-models/gateway-api/${group}/${version}/${kind}`] : [`kubernetes-models/${group ? group + '/' : ''}${version}/${kind}`];
    for (const id of candidates) {
      try {
        validator = rawValidator(id, group!, version!, kind) ?? modelValidator(id, kind);
        if (validator) break;
      } catch {
        // no model for this kind: reported as unknown-kind
      }
    }
  }
  validators.set(key, validator);
  return validator;
}

/**
 * Kinds outside the bundle: the model module's own compiled schema function, called
 * directly, since constructing the model first (its copy of the object) doubles the cost.
 */
function rawValidator(id: string, group: string, version: string, kind: string): Validator | null {
  if (id.startsWith('@kubernetes-models/gateway-api')) return null;
  const modelFile = require.resolve(id);
  const depth = group ? 2 : 1;
  const root = modelFile.split('/').slice(0, -1 - depth).join('/');
  const name = schemaModuleName(group ? `${group}/${version}` : version, kind);
  let mod: { validate?: ((d: unknown) => boolean) & { errors?: unknown } };
  try {
    mod = require(`${root}/_schemas/${name}.js`);
  } catch {
    return null;
  }
  const validate = mod.validate;
  if (typeof validate !== 'function') return null;
  return (data) => (validate(data) ? null : ((validate.errors ?? []) as ReturnType<Validator>));
}

function modelValidator(id: string, kind: string): Validator | null {
  const mod = require(id) as Record<string, { new (d: unknown): { validate(): void } }>;
  const Model = mod[kind];
  if (!Model) return null;
  return (data) => {
    try {
      new Model(data).validate();
      return null;
    } catch (e) {
      return ((e as { errors?: unknown[] }).errors ?? [{ instancePath: '', message: (e as Error).message }]) as ReturnType<Validator>;
    }
  };
}

/** The compiled validators carry keyword and params but no text; say it the way ajv would. */
function describeError(e: SchemaError): string {
  if (e.message) return e.message;
  const p = e.params ?? {};
  switch (e.keyword) {
    case 'type':
      return `must be ${String(p.type)}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[] | undefined)?.map((v) => JSON.stringify(v)).join(', ') ?? 'the allowed values'}`;
    case 'format':
      return `must match format "${String(p.format)}"`;
    case 'pattern':
      return `must match pattern "${String(p.pattern)}"`;
    case 'oneOf':
    case 'anyOf':
      return `must match exactly one schema in "${e.keyword}"`;
    case 'minimum':
    case 'maximum':
      return `must be ${e.keyword === 'minimum' ? '>=' : '<='} ${String(p.limit)}`;
    case 'minItems':
    case 'maxItems':
    case 'minLength':
    case 'maxLength':
      return `must not have ${e.keyword.startsWith('min') ? 'fewer' : 'more'} than ${String(p.limit)} ${e.keyword.endsWith('Items') ? 'items' : 'characters'}`;
    default:
      return `is invalid (${e.keyword ?? 'schema'})`;
  }
}

function pointerToPath(pointer: string): string {
  let out = '';
  for (const seg of pointer.split('/').slice(1)) out += /^[0-9]+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

export const schemaValid: Rule = {
  id: 'schema-invalid',
  family: 'schema',
  severity: 'error',
  why: 'A field of the wrong type, a missing required field or a value outside its enum makes the API server refuse the object.',
  fix: 'Correct the field as the message says (the Kubernetes API reference lists each type).',
  peers: {},
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const o of objects) {
      if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
        out.push({ object: o, path: typeof o.apiVersion !== 'string' ? 'apiVersion' : 'kind', message: 'every object needs apiVersion and kind' });
        continue;
      }
      const validate = validatorFor(o.apiVersion, o.kind);
      if (!validate) continue;
      // One finding per path: a oneOf (int-or-string, quantity) fails once per branch.
      const byPath = new Map<string, string[]>();
      for (const e of validate(o) ?? []) {
        const base = pointerToPath(e.instancePath);
        const missing = e.params?.missingProperty;
        const path = missing ? (base ? `${base}.${String(missing)}` : String(missing)) : base;
        const message = missing ? `required field "${String(missing)}" is missing` : describeError(e);
        byPath.set(path, [...(byPath.get(path) ?? []), message]);
      }
      for (const [path, messages] of byPath) {
        const specific = messages.filter((m) => !m.includes('"oneOf"') && !m.includes('"anyOf"'));
        const text = [...new Set(specific.length ? specific : messages)].join(' or ');
        out.push({ object: o, path, message: text.startsWith('required') ? text : `${path || 'object'} ${text}` });
      }
    }
    return out;
  },
};

export const unknownKind: Rule = {
  id: 'unknown-kind',
  family: 'schema',
  severity: 'info',
  why: 'Objects of kinds railyard has no schema for (custom resources, removed API versions) are not schema-checked.',
  fix: 'Nothing, if the kind is a custom resource your cluster has; otherwise use a served apiVersion.',
  peers: {},
  check: ({ objects }) =>
    objects
      .filter((o) => typeof o.apiVersion === 'string' && typeof o.kind === 'string' && !validatorFor(o.apiVersion, o.kind))
      .map((o) => ({ object: o, path: 'apiVersion', message: `no schema for ${o.apiVersion} ${o.kind}; not schema-checked` })),
};

export const unknownField: Rule = {
  id: 'unknown-field',
  family: 'schema',
  severity: 'error',
  why: 'A misspelt field (imagePulPolicy) is silently dropped by lenient clients and refused by strict field validation, the kubectl default; either way the setting never applies.',
  fix: 'Spell the field as the API reference does, or remove it.',
  peers: {},
  check: ({ objects }) => {
    const out: RawFinding[] = [];
    for (const o of objects as K8sObject[]) {
      for (const path of unknownFields(catalog as FieldCatalog, o)) out.push({ object: o, path, message: `unknown field "${path.split('.').pop()!.replace(/\[[0-9]+\]$/, '')}"` });
    }
    return out;
  },
};

export const schemaRules: Rule[] = [schemaValid, unknownField, unknownKind];
