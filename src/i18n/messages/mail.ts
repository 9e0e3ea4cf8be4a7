// Emails: password links, invitations and self-service reset. {org} is the organization's display name.
export const mail = {
  en: {
    'mail.greeting': 'Hello,',
    'mail.ignore': 'If you did not expect this email, you can ignore it: nothing changes until the link is used.',
    'mail.passwordLink.subject': 'Set your password for {org}',
    'mail.passwordLink.body': 'An administrator of {org} invites you to set the password of your account {email}. The link works once, until {expires}.',
    'mail.passwordLink.action': 'Set my password',
    'mail.reset.subject': 'Reset your {org} password',
    'mail.reset.body': 'Someone, probably you, asked to reset the password of your {org} account {email}. The link works once, for 30 minutes.',
    'mail.reset.action': 'Choose a new password',
    'mail.invitation.subject': 'You are invited to join {org} on Tessera',
    'mail.invitation.body':
      'You are invited to join {org} as {role}. Sign in to Tessera with the account of {email} and accept the invitation with the link below (valid until {expires}).',
    'mail.invitation.action': 'Accept the invitation',
    'mail.invitation.token': 'Invitation code: {token}',
    // The text part's link line; French puts a space before the colon.
    'mail.linkLine': '{action}: {url}',
  },
  fr: {
    'mail.greeting': 'Bonjour,',
    'mail.ignore': 'Si vous n’attendiez pas cet e-mail, vous pouvez l’ignorer : rien ne change tant que le lien n’est pas utilisé.',
    'mail.passwordLink.subject': 'Choisissez votre mot de passe pour {org}',
    'mail.passwordLink.body':
      'Un administrateur de l’organisation {org} vous invite à choisir le mot de passe de votre compte {email}. Le lien ne sert qu’une fois, jusqu’au {expires}.',
    'mail.passwordLink.action': 'Choisir mon mot de passe',
    'mail.reset.subject': 'Réinitialisez votre mot de passe {org}',
    'mail.reset.body':
      'Quelqu’un, probablement vous, a demandé à réinitialiser le mot de passe de votre compte {org} {email}. Le lien ne sert qu’une fois, pendant 30 minutes.',
    'mail.reset.action': 'Choisir un nouveau mot de passe',
    'mail.invitation.subject': 'Vous êtes invité à rejoindre {org} sur Tessera',
    'mail.invitation.body':
      'Vous êtes invité à rejoindre {org} avec le rôle {role}. Connectez-vous à Tessera avec le compte de {email} et acceptez l’invitation avec le lien ci-dessous (valable jusqu’au {expires}).',
    'mail.invitation.action': 'Accepter l’invitation',
    'mail.invitation.token': 'Code d’invitation : {token}',
    'mail.linkLine': '{action} : {url}',
  },
} as const;
