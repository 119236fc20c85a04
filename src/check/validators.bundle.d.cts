// Types for the generated validators.bundle.cjs (see validator-bundle.ts).
declare const validators: Record<string, ((data: unknown) => boolean) & { errors?: { instancePath: string; keyword?: string; params?: Record<string, unknown> }[] | null }>;
export = validators;
