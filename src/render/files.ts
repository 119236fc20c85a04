// What every renderer returns: files, by path relative to the output folder.
// Renderers are pure (model in, files out); only src/cli writes to disk.

export interface RenderedFile {
  /** Relative, forward slashes: `k8s/rails-server.yaml`, `rails/config/puma.rb`. */
  path: string;
  content: string;
  /** Unix mode for executables; 0o644 when absent. */
  mode?: number;
}
