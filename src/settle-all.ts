// Promise.all for clients that connect together (cluster/member.ts): a failure is reported only once every one has settled.
/** Like Promise.all, but settles only once every one has (none left connecting when the caller cleans up); rejects with the first failure. */
export async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
