/**
 * The export's figure for `npm run bench -- --queue`: one `rewards.csv` of the whole seeded
 * workspace through the running server, its time, rows per second, and the server's resident
 * memory before and at its peak (read from /metrics while the file streams), which should not
 * grow with the number of rows.
 */
async function residentBytes(baseUrl: string): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text().catch(() => '');
  const match = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

export async function benchExport(baseUrl: string, key: string): Promise<string> {
  const before = await residentBytes(baseUrl);
  let peak = before ?? 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await residentBytes(baseUrl)) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/exports/rewards.csv`, { headers: { authorization: `Bearer ${key}` } });
  if (!response.ok || !response.body) throw new Error(`rewards.csv: ${response.status}`);
  const rows = Number(response.headers.get('x-export-rows') ?? 0);
  let bytes = 0;
  for await (const chunk of response.body) bytes += (chunk as Uint8Array).byteLength;
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;
  const mb = (n: number) => `${(n / 1_048_576).toFixed(0)} MB`;
  const memory = before ? `; server RSS ${mb(before)} before, ${mb(peak)} at peak` : '';
  return (
    `  ${'Export rewards.csv (all)'.padEnd(28)} ${(seconds * 1000).toFixed(0).padStart(8)} ms  ` +
    `(${rows.toLocaleString('en')} rows, ${Math.round(rows / seconds).toLocaleString('en')} rows/s, ${mb(bytes)}${memory})`
  );
}
