/** The roles of `run --brokers`: both stages in one process, or one stage per consumer group. */
export const ROLES = ['all', 'reco', 'excess'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}
