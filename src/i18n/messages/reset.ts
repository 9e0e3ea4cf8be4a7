// Self-service password reset (/password/forgot).
export const reset = {
  en: {
    'reset.title': 'Reset your password',
    'reset.intro': 'Enter the email address of your {org} account. We will send you a link to choose a new password.',
    'reset.email': 'Email',
    'reset.submit': 'Send the link',
    'reset.backToSignIn': 'Back to sign in',
    'reset.emailRequired': 'Enter your email address.',
    'reset.sentTitle': 'Check your email',
    'reset.sent': 'If {email} belongs to an account, we have sent it a link to choose a new password. The link works once, for 30 minutes.',
    'reset.sentHint': 'No email after a few minutes? Check your spam folder, then try again.',
    'reset.unavailableTitle': 'Password reset is not available',
    'reset.unavailable': 'This service cannot send email, so passwords cannot be reset here. Ask your administrator for a link to set a new password.',
    'reset.noRequestTitle': 'Start from the application',
    'reset.noRequest': 'To reset your password, open the application you want to use, go to its sign-in page and choose “Forgot password?”.',
  },
  fr: {
    'reset.title': 'Réinitialiser votre mot de passe',
    'reset.intro': 'Saisissez l’adresse e-mail de votre compte {org}. Nous vous enverrons un lien pour choisir un nouveau mot de passe.',
    'reset.email': 'Adresse e-mail',
    'reset.submit': 'Envoyer le lien',
    'reset.backToSignIn': 'Retour à la connexion',
    'reset.emailRequired': 'Saisissez votre adresse e-mail.',
    'reset.sentTitle': 'Consultez vos e-mails',
    'reset.sent':
      'Si {email} correspond à un compte, nous lui avons envoyé un lien pour choisir un nouveau mot de passe. Le lien ne sert qu’une fois, pendant 30 minutes.',
    'reset.sentHint': 'Pas d’e-mail après quelques minutes ? Regardez dans les indésirables, puis réessayez.',
    'reset.unavailableTitle': 'La réinitialisation du mot de passe n’est pas disponible',
    'reset.unavailable':
      'Ce service ne peut pas envoyer d’e-mail : le mot de passe ne peut donc pas être réinitialisé ici. Demandez à votre administrateur un lien pour en choisir un nouveau.',
    'reset.noRequestTitle': 'Commencez depuis l’application',
    'reset.noRequest':
      'Pour réinitialiser votre mot de passe, ouvrez l’application que vous voulez utiliser, allez sur sa page de connexion et choisissez « Mot de passe oublié ? ».',
  },
} as const;
