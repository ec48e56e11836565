import { v7 } from 'uuid';

/**
 * Every id the platform creates is a UUIDv7: unique without coordination between gateways, and sorted
 * by creation time (to the millisecond, monotonic within a process), so "order by id" is "order of
 * acceptance" and history pages by id use the primary-key index.
 */
export const newId = (): string => v7();
