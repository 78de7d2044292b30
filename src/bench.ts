export async function runBench(_options: { clients: number; seconds: number }) {
  throw new Error('not yet');
}
