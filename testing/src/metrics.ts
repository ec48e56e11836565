/**
 * Reads one sample from a Prometheus text endpoint: the value of `name` whose labels include all of
 * `labels` (summed when several series match), or undefined when no series matches.
 */
export async function scrapeMetric(metricsUrl: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const response = await fetch(metricsUrl);
  if (response.status !== 200) throw new Error(`GET ${metricsUrl}: ${response.status}`);
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const hasLabel = (series: string, pair: string) => series.includes(`{${pair}`) || series.includes(`,${pair}`);
  let total: number | undefined;
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const series = match[2] ?? '';
    if (!wanted.every((pair) => hasLabel(series, pair))) continue;
    total = (total ?? 0) + Number(match[3]);
  }
  return total;
}
