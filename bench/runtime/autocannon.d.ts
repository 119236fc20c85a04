// The part of autocannon's programmatic API the runtime bench uses (the package ships no types).
declare module 'autocannon' {
  interface Histogram { p50: number; p99: number; max: number; average: number }
  interface Result { latency: Histogram; requests: { total: number }; non2xx: number; errors: number; timeouts: number }
  interface Options { url: string; connections?: number; overallRate?: number; duration?: number }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
