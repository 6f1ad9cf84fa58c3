/** One bar of a chart. */
export interface Bar {
  label: string;
  count: number;
}

const LABEL_KEYS = ['key', 'value', 'label', 'name', 'month', 'language', 'tag', 'status'];
const COUNT_KEYS = ['count', 'total', 'pocs', 'n'];

/**
 * A summary bucket as bars, whatever its shape: `[{ month, count }]`,
 * `[{ value, count }]` or `{ go: 3, rust: 1 }`. Unknown shapes give no bars
 * (the chart says "nothing") rather than breaking the screen.
 */
export function toBars(bucket: unknown): Bar[] {
  if (Array.isArray(bucket)) {
    return bucket.flatMap((row): Bar[] => {
      if (!row || typeof row !== 'object') return [];
      const r = row as Record<string, unknown>;
      const label = LABEL_KEYS.map((k) => r[k]).find((v) => typeof v === 'string' || typeof v === 'number');
      const count = COUNT_KEYS.map((k) => r[k]).find((v) => typeof v === 'number');
      return label !== undefined && typeof count === 'number' ? [{ label: String(label), count }] : [];
    });
  }
  if (bucket && typeof bucket === 'object') {
    return Object.entries(bucket as Record<string, unknown>).flatMap(([label, v]) => (typeof v === 'number' ? [{ label, count: v }] : []));
  }
  return [];
}

/** Totals as label/value pairs (numbers only). */
export function toTotals(totals: unknown): Bar[] {
  return toBars(totals && typeof totals === 'object' && !Array.isArray(totals) ? totals : {});
}

/** The period a report asks for: a whole year, or from/to dates (inclusive days). */
export function periodQuery(period: { year?: string; from?: string; to?: string }): { year?: number; from?: string; to?: string } {
  if (period.from || period.to) {
    return {
      ...(period.from ? { from: `${period.from}T00:00:00.000Z` } : {}),
      ...(period.to ? { to: `${period.to}T23:59:59.999Z` } : {}),
    };
  }
  const year = Number(period.year);
  return Number.isInteger(year) && year > 1970 ? { year, from: `${year}-01-01T00:00:00.000Z`, to: `${year}-12-31T23:59:59.999Z` } : {};
}
