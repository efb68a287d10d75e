/** Bench settings from the environment, validated the same way by every bench. */

export function intSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number between ${min} and ${max}`);
  return value;
}

/** GATEHOUSE_BENCH_STORES: which stores to measure (default both). */
export function storesSetting(): Set<string> {
  return new Set((process.env.GATEHOUSE_BENCH_STORES || 'sqlite,postgresql').split(',').map((s) => s.trim()));
}

/** GATEHOUSE_BENCH_DATABASE_URL: the PostgreSQL server for throwaway databases (loopback only). */
export function databaseUrlSetting(): string {
  return process.env.GATEHOUSE_BENCH_DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';
}
