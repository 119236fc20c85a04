// Types for scripts/notices.mjs (plain JS, so build.mjs can import it without a compile step).
export interface PackageNotice {
  name: string;
  version: string;
  license: string;
  text?: string;
}
export const ALLOWED: string[];
export function packageDirs(inputs: Iterable<string>): string[];
export function describePackages(root: string, dirs: readonly string[]): PackageNotice[];
export function allowedLicence(expression: string): boolean;
export function noticesMarkdown(title: string, packages: readonly PackageNotice[]): string;
export function noticesComment(title: string, packages: readonly PackageNotice[]): string;
export function headerPackages(file: string): string[];
