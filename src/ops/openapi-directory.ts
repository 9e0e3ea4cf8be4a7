// The organization's user directory in the OpenAPI catalog (CONTRACT §8, §11): the admin routes and the
// hosted password page the links lead to. Kept beside openapi-catalog.ts, which lists the other groups.
import { z } from 'zod';
import { CreateUser as CreateDirectoryUser, EmailFilter, UpdateUser as UpdateDirectoryUser } from '../users/index.ts';
import { SendEmail } from '../mail/index.ts';
import * as S from './openapi-schemas.ts';
import { html, json, noContent, type RouteGroup } from './openapi-doc.ts';

const ORG = '/api/organizations/:org';
const PasswordForm = z.object({ token: z.string(), password: z.string().min(10).max(256), confirm: z.string() });

export const DIRECTORY_GROUP: RouteGroup = {
  tag: 'User directory',
  description: "The organization's end users (CONTRACT §8)",
  security: 'bearer',
  routes: {
    [`GET ${ORG}/users`]: {
      summary: 'List users',
      paginated: true,
      query: { email: { schema: EmailFilter.shape.email, description: 'Exact email (case-insensitive)' } },
      ok: json(200, 'Users', S.listOf('users', S.DirectoryUser)),
    },
    [`POST ${ORG}/users`]: {
      summary: 'Create a user (admin)',
      body: CreateDirectoryUser,
      ok: json(201, 'The user', z.object({ user: S.DirectoryUser })),
      errors: [409],
    },
    [`GET ${ORG}/users/:userId`]: { summary: 'A user', ok: json(200, 'The user', z.object({ user: S.DirectoryUser })) },
    [`PATCH ${ORG}/users/:userId`]: {
      summary: 'Change email or disable (admin)',
      body: UpdateDirectoryUser,
      ok: json(200, 'The user', z.object({ user: S.DirectoryUser })),
      errors: [409],
    },
    [`DELETE ${ORG}/users/:userId`]: { summary: 'Delete a user (admin)', ok: noContent('Deleted') },
    [`DELETE ${ORG}/users/:userId/mfa`]: {
      summary: 'Remove every second factor and recovery code of a user (admin): the recovery of a lost factor',
      ok: noContent('Removed'),
    },
    [`POST ${ORG}/users/:userId/password-link`]: {
      summary: 'Single-use link (24 h) to set a password (admin); send_email: true mails it',
      body: SendEmail,
      bodyOptional: true,
      ok: json(201, 'The link', S.PasswordLink),
      errors: [409],
    },
    'GET /password': {
      summary: 'Hosted page: set a password from a link',
      security: 'none',
      query: { token: { schema: z.string(), description: 'The link token' } },
      ok: html(200, 'The form'),
      also: [html(400, 'Invalid or used link')],
    },
    'POST /password': {
      summary: 'Hosted page: save the password',
      security: 'none',
      body: PasswordForm,
      bodyType: 'form',
      ok: html(200, 'Saved'),
      also: [html(400, 'Invalid link or password')],
    },
  },
};
