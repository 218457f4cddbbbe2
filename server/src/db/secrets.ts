import { createHmac } from 'node:crypto';

/** Derives a purpose-bound secret from the instance secret, so one key never serves two uses. */
export const deriveSecret = (instanceSecret: string, purpose: string) =>
  createHmac('sha256', instanceSecret).update(purpose).digest('hex');
