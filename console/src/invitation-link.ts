// The invitation token an emailed link carries in its fragment (/console#invitation=…; the server never
// sees a fragment). Read once at start-up and removed from the address bar at once, so that it stays in
// no history entry, bookmark or screenshot; kept in memory until the home page's "Accept an invitation"
// form is shown, filled in with it, after sign-in or registration.
let pending = '';

export function takeInvitationFromUrl(): void {
  const m = /^#(?:.*&)?invitation=([^&]*)/.exec(location.hash);
  if (!m) return;
  try {
    pending = decodeURIComponent(m[1] ?? '');
  } catch {
    pending = '';
  }
  history.replaceState(history.state, '', location.pathname + location.search);
}

/** The token from the link, once: the form that shows it takes it. */
export function takeInvitation(): string {
  const token = pending;
  pending = '';
  return token;
}
