// A service's plans (CONTRACT §4): add, edit (name, price, currency, features), delete.
import { useState } from 'preact/hooks';
import { ApiError, api, enc } from '../api.ts';
import type { Plan, PlanEntry } from '../types.ts';
import { ConfirmButton, Empty, Field, FormError, LoadState, Submit, useLoad, useSubmit } from '../ui.tsx';

/**
 * Digits of the currency's smallest unit: price_cents counts that unit, as Stripe counts amounts (cents for
 * usd, yen for jpy, fils for kwd). 2 for a code Intl does not know (the API refuses it anyway).
 */
function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: currency.trim().toUpperCase() }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

function price(cents: number, currency: string): string {
  const amount = cents / 10 ** minorDigits(currency);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

export function PlansTab({ base }: { base: string }) {
  const list = useLoad(() => api<PlanEntry[]>('GET', `${base}/plans`), base);
  return (
    <>
      <LoadState loaded={list} />
      {list.data && list.data.length === 0 ? <Empty title="No plans yet.">Plans are what your users subscribe to. Add the first one below.</Empty> : null}
      <ul class="cards">
        {list.data?.map(({ plan, subscription_count }) => (
          <li key={plan.id}>
            <strong>{plan.name}</strong> {price(plan.price_cents, plan.currency)} <span class="muted">{subscription_count} subscriptions</span>
            {plan.features.length > 0 ? <p class="muted">Features: {plan.features.join(', ')}</p> : null}
            <EditPlan base={base} plan={plan} reload={list.reload} />
            <ConfirmButton
              danger
              label={`Delete plan ${plan.name}`}
              title={`Delete the plan ${plan.name}?`}
              message="A plan with active or past-due subscriptions cannot be deleted."
              confirmLabel="Delete"
              onConfirm={async () => {
                await api('DELETE', `${base}/plans/${enc(plan.id)}`);
                list.reload();
              }}
            />
          </li>
        ))}
      </ul>
      <CreatePlan base={base} reload={list.reload} />
    </>
  );
}

const featureList = (text: string): string[] =>
  text
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);

/**
 * A price typed in currency units as the API's price_cents (the currency's smallest unit). Refused beside
 * the price field, never rounded: not a plain non-negative number, or more decimals than the currency has.
 */
function centsOf(amount: string, currency: string): number {
  const text = amount.trim();
  const refuse = (message: string) => new ApiError(400, 'BAD_REQUEST', message, [{ field: 'price_cents', message }]);
  if (!/^\d+(\.\d+)?$/.test(text)) throw refuse('Write the price as a number of currency units, e.g. 29.00');
  const digits = minorDigits(currency);
  if ((text.split('.')[1]?.length ?? 0) > digits)
    throw refuse(
      digits === 0 ? `${currency.toUpperCase()} has no smaller unit: write a whole number` : `At most ${digits} decimals for ${currency.toUpperCase()}`,
    );
  return Math.round(Number(text) * 10 ** digits);
}

/** PATCH …/plans/:id with everything the API lets change: name, price, currency, features. */
function EditPlan({ base, plan, reload }: { base: string; plan: Plan; reload: () => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(plan.name);
  const [amount, setAmount] = useState(String(plan.price_cents / 10 ** minorDigits(plan.currency)));
  const [currency, setCurrency] = useState(plan.currency);
  const [features, setFeatures] = useState(plan.features.join(', '));
  const { busy, error, run } = useSubmit();
  const id = `plan-${plan.id}`;
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api('PATCH', `${base}/plans/${enc(plan.id)}`, {
        name,
        price_cents: centsOf(amount, currency),
        currency: currency.trim(),
        features: featureList(features),
      });
      setOpen(false);
      reload();
    });
  };
  return (
    <>
      <button
        type="button"
        aria-expanded={open}
        aria-label={`${open ? 'Close the editor of' : 'Edit'} plan ${plan.name}`}
        onClick={() => {
          setOpen(!open);
        }}
      >
        {open ? 'Close' : 'Edit'}
      </button>
      {open ? (
        <form onSubmit={submit} noValidate aria-label={`Edit plan ${plan.name}`}>
          <Field id={`${id}-name`} field="name" label="Name" value={name} onValue={setName} error={error} required />
          <PriceFields id={id} amount={amount} setAmount={setAmount} currency={currency} setCurrency={setCurrency} error={error} />
          <Field id={`${id}-features`} field="features" label="Features (comma-separated)" value={features} onValue={setFeatures} error={error} />
          <FormError error={error} fields={['name', 'price_cents', 'currency', 'features']} />
          <Submit busy={busy}>Save plan</Submit>
        </form>
      ) : null}
    </>
  );
}

function CreatePlan({ base, reload }: { base: string; reload: () => void }) {
  const [name, setName] = useState('');
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState('usd');
  const [features, setFeatures] = useState('');
  const { busy, error, run, setError } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api('POST', `${base}/plans`, {
        name,
        price_cents: centsOf(amount, currency),
        currency,
        features: featureList(features),
      });
      setName('');
      setAmount('');
      setFeatures('');
      setError(undefined);
      reload();
    });
  };
  return (
    <section class="card">
      <h2>Add a plan</h2>
      <form onSubmit={submit} noValidate>
        <Field id="plan-name" field="name" label="Name" value={name} onValue={setName} error={error} required />
        <PriceFields id="plan" amount={amount} setAmount={setAmount} currency={currency} setCurrency={setCurrency} error={error} />
        <Field id="plan-features" field="features" label="Features (comma-separated)" value={features} onValue={setFeatures} error={error} />
        <FormError error={error} fields={['name', 'price_cents', 'currency', 'features']} />
        <Submit busy={busy}>Add plan</Submit>
      </form>
    </section>
  );
}

interface PriceProps {
  /** The ids' prefix: `<id>-price`, `<id>-currency`. */
  id: string;
  amount: string;
  setAmount: (v: string) => void;
  currency: string;
  setCurrency: (v: string) => void;
  error: ReturnType<typeof useSubmit>['error'];
}

function PriceFields({ id, amount, setAmount, currency, setCurrency, error }: PriceProps) {
  return (
    <>
      <Field
        id={`${id}-price`}
        field="price_cents"
        label="Price"
        type="number"
        hint="In currency units, e.g. 29.00 (a whole number for currencies without cents, such as JPY)."
        value={amount}
        onValue={setAmount}
        error={error}
        required
      />
      <Field id={`${id}-currency`} field="currency" label="Currency (ISO 4217)" value={currency} onValue={setCurrency} error={error} required />
    </>
  );
}
