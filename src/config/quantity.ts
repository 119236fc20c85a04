// Kubernetes resource.Quantity, as the API server reads it: shared by the model's
// cross-checks (ephemeral-storage sums) and `railyard check`.
const QUANTITY = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const SUFFIX_FACTOR: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A resource.Quantity (`500m`, `2`, `512Mi`, `1e3`): undefined when valid. YAML numbers are valid. */
export function validateQuantity(q: unknown): string | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? undefined : 'must be a finite number';
  if (typeof q !== 'string') return `must be a string or number, not ${q === null ? 'null' : typeof q}`;
  if (!QUANTITY.test(q)) return `"${q}" is not a quantity: a number with an optional suffix such as m, Mi, Gi, k, M, G or an exponent (e3)`;
  return undefined;
}

/** The quantity's value in base units (cores, bytes), or undefined when it does not parse. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string' || validateQuantity(q) !== undefined) return undefined;
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/.exec(q)!;
  const n = Number(m[1]);
  const suffix = m[2]!;
  // An exponent has digits after its e/E; a bare E is exa, and Ei exbi.
  if (/^[eE][+-]?[0-9]+$/.test(suffix)) return n * 10 ** Number(suffix.slice(1));
  return n * SUFFIX_FACTOR[suffix]!;
}

