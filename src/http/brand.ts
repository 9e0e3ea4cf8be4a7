// An organization's branding on the hosted pages (CONTRACT §11): name, logo, primary colour and support
// link. The colour is the admin's choice; the text drawn on it is ours, picked for WCAG 2.2 AA contrast.

export interface Brand {
  /** display_name, else the organization's name, else Tessera. */
  name: string;
  logoUrl: string | null;
  primaryColor: string | null;
  supportUrl: string | null;
}

export const DEFAULT_BRAND: Brand = { name: 'Tessera', logoUrl: null, primaryColor: null, supportUrl: null };
const DEFAULT_PRIMARY = '#3b5bdb';

export interface BrandedOrg {
  name: string;
  displayName: string | null;
  logoUrl: string | null;
  primaryColor: string | null;
  supportUrl: string | null;
}

export function brandOf(org: BrandedOrg | null | undefined): Brand {
  if (!org) return DEFAULT_BRAND;
  return { name: org.displayName ?? org.name, logoUrl: org.logoUrl, primaryColor: org.primaryColor, supportUrl: org.supportUrl };
}

/** WCAG 2.x relative luminance of #rrggbb. */
export function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

export interface Palette {
  button: string;
  buttonText: string;
  /** Links and the focus ring on the white card: the brand colour when it reads on white, else a dark one. */
  accent: string;
}

/**
 * Black or white text, whichever contrasts more with the button: for any colour one of them reaches at
 * least 4.58:1, so the AA 4.5:1 for text always holds whatever the admin picked.
 */
export function paletteFor(primary: string | null): Palette {
  const button = primary ?? DEFAULT_PRIMARY;
  const buttonText = contrast(button, '#ffffff') >= contrast(button, '#000000') ? '#ffffff' : '#000000';
  const accent = contrast(button, '#ffffff') >= 4.5 ? button : '#1d2330';
  return { button, buttonText, accent };
}
