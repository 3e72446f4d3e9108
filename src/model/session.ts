import * as z from 'zod/mini';

/**
 * One FTP session as we report it (both dialects; API 2 turns every value
 * into a string when it wraps them). Field meanings are cPanel's:
 *
 * - pid: the session process
 * - user: the FTP login name (the system user when only ps is known)
 * - host: the client's address or name; "" when no source knows it
 * - login: connection time, local, ctime form `Wed Oct 15 12:49:03 2014`
 * - status: IDLE, DL (download in progress) or UL (upload in progress)
 * - file: the file in transfer as the client named it; "" when idle or unknown
 * - cmdline: the process title as ps shows it, padding and leftovers removed
 */
export const SessionSchema = z.object({
  cmdline: z.string(),
  file: z.string(),
  host: z.string(),
  login: z.string(),
  pid: z.int().check(z.positive()),
  status: z.enum(['IDLE', 'DL', 'UL']),
  user: z.string(),
  /** the same instant as `login`, epoch ms (null when unknown); not printed by the cPanel dialects */
  loginAt: z.nullable(z.number()),
});

export type Session = z.infer<typeof SessionSchema>;
