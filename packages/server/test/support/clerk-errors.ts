import { expect } from 'vitest';

interface SdkError {
  status?: number;
  errors?: { code: string; meta?: { paramName?: string } }[];
}

/** Awaits a Clerk SDK call that must fail, and checks the status, code and named parameter. */
export async function expectClerkError(call: Promise<unknown>, status: number, code: string, paramName?: string): Promise<void> {
  let error: SdkError | undefined;
  try {
    await call;
  } catch (e) {
    error = e as SdkError;
  }
  expect(error, `expected the call to fail with ${status} ${code}`).toBeDefined();
  expect({ status: error?.status, code: error?.errors?.[0]?.code }).toEqual({ status, code });
  if (paramName !== undefined) expect(error?.errors?.[0]?.meta?.paramName).toBe(paramName);
}
