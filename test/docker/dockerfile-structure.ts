// Structural checks of a Dockerfile with dockerfile-ast: what a builder would
// reject or silently get wrong, found without building. Returns the problems,
// one line each; an empty list means the Dockerfile holds together.
import { DockerfileParser, type Instruction, type JSONInstruction } from 'dockerfile-ast';

export interface ExpectedTarget {
  name: string;
  entrypoint: string[];
  cmd: string[];
  ports: number[];
  env: Record<string, string>;
}

const isJsonForm = (i: Instruction): boolean => {
  const j = i as JSONInstruction;
  return j.getOpeningBracket?.() != null && j.getClosingBracket?.() != null && j.getJSONStrings().length > 0;
};
const jsonWords = (i: Instruction): string[] => (i as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());

export function dockerfileProblems(content: string, targets: ExpectedTarget[] = []): string[] {
  const problems: string[] = [];
  const df = DockerfileParser.parse(content);
  const instructions = df.getInstructions();
  const firstFrom = instructions.findIndex((i) => i.getKeyword() === 'FROM');
  if (firstFrom < 0) return ['no FROM instruction'];

  // ARGs before the first FROM are the only variables a FROM may use.
  const globalArgs = new Map<string, string | null>();
  for (const a of df.getInitialARGs()) {
    const p = a.getProperty();
    if (p) globalArgs.set(p.getName(), p.getValue());
  }

  const stages: string[] = [];
  const stageInstructions = new Map<string, Instruction[]>();
  /** A stage's parent, when it is built FROM an earlier stage: config is inherited from it. */
  const parentOf = new Map<string, string>();
  let current: Instruction[] = [];
  for (const i of instructions.slice(firstFrom)) {
    const kw = i.getKeyword();
    const line = i.getRange().start.line + 1;
    if (kw === 'FROM') {
      const args = i.getArguments().map((a) => a.getValue());
      const image = args[0] ?? '';
      const asIndex = args.findIndex((a) => a.toUpperCase() === 'AS');
      const name = asIndex >= 0 ? args[asIndex + 1] : undefined;
      const variable = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(image);
      if (variable) {
        const v = variable[1]!;
        if (!globalArgs.has(v)) problems.push(`line ${line}: FROM uses $${v}, which no ARG before the first FROM declares`);
        else if (!globalArgs.get(v)) problems.push(`line ${line}: FROM uses $${v}, whose ARG has no default`);
      } else if (!stages.includes(image)) {
        if (!/[:@]/.test(image.split('/').pop() ?? '')) problems.push(`line ${line}: FROM ${image} is neither an earlier stage nor a tagged image`);
      }
      if (!name) problems.push(`line ${line}: FROM ${image} has no stage name`);
      else if (stages.includes(name)) problems.push(`line ${line}: stage "${name}" is defined twice`);
      else {
        if (stages.includes(image)) parentOf.set(name, image);
        stages.push(name);
      }
      current = [];
      if (name) stageInstructions.set(name, current);
      continue;
    }
    current.push(i);
    if (kw === 'COPY' || kw === 'ADD') {
      const from = kw === 'COPY' ? (i as unknown as { getFromFlag(): { getValue(): string | null } | null }).getFromFlag() : null;
      const src = from?.getValue();
      if (from && !src) problems.push(`line ${line}: COPY --from has no value`);
      if (src && !stages.slice(0, -1).includes(src)) problems.push(`line ${line}: COPY --from=${src} names no earlier stage`);
    }
    if ((kw === 'CMD' || kw === 'ENTRYPOINT') && !isJsonForm(i)) problems.push(`line ${line}: ${kw} is in shell form; use a JSON array`);
  }

  for (const t of targets) {
    const body = stageInstructions.get(t.name);
    if (!body) {
      problems.push(`target "${t.name}" is not a stage`);
      continue;
    }
    // The config a built image would have: the FROM chain's instructions in order,
    // where a new ENTRYPOINT drops an inherited CMD (as docker build does).
    const chain: Instruction[][] = [];
    for (let s: string | undefined = t.name; s; s = parentOf.get(s)) chain.unshift(stageInstructions.get(s) ?? []);
    let ep: Instruction | undefined;
    let cmd: Instruction | undefined;
    const exposed: number[] = [];
    for (const i of chain.flat()) {
      if (i.getKeyword() === 'ENTRYPOINT') (ep = i), (cmd = undefined);
      if (i.getKeyword() === 'CMD') cmd = i;
      if (i.getKeyword() === 'EXPOSE') exposed.push(...i.getArguments().map((a) => Number(a.getValue())));
    }
    if (!ep || JSON.stringify(jsonWords(ep)) !== JSON.stringify(t.entrypoint)) problems.push(`target "${t.name}": ENTRYPOINT is not ${JSON.stringify(t.entrypoint)}`);
    if (!cmd || JSON.stringify(jsonWords(cmd)) !== JSON.stringify(t.cmd)) problems.push(`target "${t.name}": CMD is not ${JSON.stringify(t.cmd)}`);
    if (JSON.stringify(exposed) !== JSON.stringify(t.ports)) problems.push(`target "${t.name}": EXPOSE ${exposed.join(' ')} is not ${t.ports.join(' ')}`);
    const env = new Map<string, string | null>();
    for (const e of chain.flat().filter((i) => i.getKeyword() === 'ENV')) {
      for (const p of (e as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties()) env.set(p.getName(), p.getValue());
    }
    for (const [k, v] of Object.entries(t.env)) if (env.get(k) !== v) problems.push(`target "${t.name}": ENV ${k} is ${env.get(k) ?? 'unset'}, not ${v}`);
    // Targets that add files would stop sharing layers.
    for (const i of body) {
      if (['RUN', 'COPY', 'ADD'].includes(i.getKeyword())) problems.push(`target "${t.name}": line ${i.getRange().start.line + 1}: ${i.getKeyword()} in a target stage adds a layer the other targets do not share`);
    }
  }
  return problems;
}
