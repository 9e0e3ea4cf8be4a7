// Packages loaded on first use rather than at start-up, for the time to listen and the idle memory of a
// server that may never need them (docs/benchmarks.md, start-up): jose, node-forge, nodemailer,
// @simplewebauthn/server. Concurrent first uses share one import; a failed import is not kept, so the
// next use tries again instead of failing for the life of the process.
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    }));
}
