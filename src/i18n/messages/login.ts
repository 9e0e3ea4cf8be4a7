// The hosted sign-in page (/login).
export const login = {
  en: {
    'login.title': 'Sign in',
    'login.heading': 'Sign in to {service}',
    'login.subtitle': 'with your {org} account',
    'login.email': 'Email',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.forgot': 'Forgot password?',
    'login.failure': 'The email or password is incorrect.',
    'login.expiredTitle': 'This sign-in request has expired',
    'login.expiredBody': 'Sign-in requests are valid for 10 minutes. Go back to the application and sign in again.',
  },
  fr: {
    'login.title': 'Connexion',
    'login.heading': 'Connexion à {service}',
    'login.subtitle': 'avec votre compte {org}',
    'login.email': 'Adresse e-mail',
    'login.password': 'Mot de passe',
    'login.submit': 'Se connecter',
    'login.forgot': 'Mot de passe oublié ?',
    'login.failure': 'L’adresse e-mail ou le mot de passe est incorrect.',
    'login.expiredTitle': 'Cette demande de connexion a expiré',
    'login.expiredBody': 'Une demande de connexion est valable 10 minutes. Revenez à l’application et connectez-vous de nouveau.',
  },
} as const;
