// The URL checks of one delivery round, made in the sender thread (sender-thread.ts): each URL is
// checked (DNS answer included) at the round's first attempt to it, and every attempt to it in the
// round connects to the address that check allowed (security/outbound.ts). A new round checks again.
import { checkOutboundUrl, type CheckedUrl } from '../security/outbound.ts';

export class RoundUrlChecks {
  private readonly checks = new Map<string, Promise<CheckedUrl>>();

  constructor(readonly allowPrivate: boolean) {}

  /** The URL's check, made at the round's first attempt to it. */
  check(url: string): Promise<CheckedUrl> {
    let checked = this.checks.get(url);
    if (!checked) {
      checked = checkOutboundUrl(url, this.allowPrivate);
      // Every attempt awaits it; this only keeps a refusal from counting as unhandled in between.
      checked.catch(() => undefined);
      this.checks.set(url, checked);
    }
    return checked;
  }
}
