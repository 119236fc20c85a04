// Kubernetes objects to YAML text, deterministically: same objects, same bytes.
import { stringify } from 'yaml';

export const GENERATED_HEADER = (source: string) => `# Rendered by railyard from ${source}. Do not edit: change the config and run \`railyard synth\`.\n`;

export function stringifyManifests(objects: readonly object[], header = ''): string {
  const docs = objects.map((o) => stringify(o, { lineWidth: 0, indent: 2, aliasDuplicateObjects: false }));
  return header + docs.join('---\n');
}
