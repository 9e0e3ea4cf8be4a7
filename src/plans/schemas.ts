// What the plan routes accept (docs/api.md, Plans).
import { z } from 'zod';
import { ASSERTION_TEXT_MESSAGE, isAssertionText } from '../http/validate.ts';

// A plan's name and features are assertion attributes (plan_name, features): text XML can hold.
const PlanName = z.string().trim().min(1, 'Name must not be empty').max(100).refine(isAssertionText, `name ${ASSERTION_TEXT_MESSAGE}`);
const PriceCents = z.number().int('price_cents must be an integer').min(0).max(10_000_000_000);
/**
 * ISO 4217 codes: the currencies Node's ICU knows, and the codes of the standard it leaves out (funds,
 * precious metals, the testing and "no currency" codes).
 */
const ISO_4217 = new Set([
  ...Intl.supportedValuesOf('currency'),
  ...[
    'BOV',
    'CHE',
    'CHW',
    'CLF',
    'COU',
    'MXV',
    'USN',
    'UYI',
    'UYW',
    'VED',
    'XAG',
    'XAU',
    'XBA',
    'XBB',
    'XBC',
    'XBD',
    'XDR',
    'XPD',
    'XPT',
    'XSU',
    'XTS',
    'XUA',
    'XXX',
  ],
]);
const CURRENCY_MESSAGE = 'currency must be an ISO 4217 code such as usd';
const Currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, CURRENCY_MESSAGE)
  .refine((c) => ISO_4217.has(c.toUpperCase()), CURRENCY_MESSAGE)
  .transform((c) => c.toLowerCase());
const Features = z.array(z.string().min(1).max(200).refine(isAssertionText, `A feature ${ASSERTION_TEXT_MESSAGE}`)).max(100);
export const CreatePlan = z.strictObject({ name: PlanName, price_cents: PriceCents, currency: Currency, features: Features });
export const UpdatePlan = z.strictObject({
  name: PlanName.optional(),
  price_cents: PriceCents.optional(),
  currency: Currency.optional(),
  features: Features.optional(),
});

export type CreatePlanInput = z.output<typeof CreatePlan>;
export type UpdatePlanInput = z.output<typeof UpdatePlan>;

/** The plans list's query string: none. */
export const NoQuery = z.strictObject({});
