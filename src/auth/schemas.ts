// What the /api/auth routes accept (docs/api.md, Admin accounts).
import { z } from 'zod';
import { Email, Name, Password } from '../http/validate.ts';

export const RegisterBody = z.strictObject({ email: Email, password: Password, name: Name.optional() });
export const LoginBody = z.strictObject({ email: z.string().max(254), password: z.string().max(256) });
export const RefreshBody = z.strictObject({ refresh_token: z.string().min(1).max(512) });

export type RegisterInput = z.output<typeof RegisterBody>;
export type LoginInput = z.output<typeof LoginBody>;
