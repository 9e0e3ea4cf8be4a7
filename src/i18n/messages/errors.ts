// Error pages: a plain-language title and what to do; the technical detail and reference go underneath.
export const errors = {
  en: {
    'errors.pageTitle': 'Something went wrong',
    'errors.request.title': 'We could not handle this request',
    'errors.request.action': 'Go back to the application and try again. If it keeps happening, contact support and give them the reference below.',
    'errors.saml.title': 'The application sent a sign-in request we cannot accept',
    'errors.saml.action':
      'This is usually a setup problem between the application and the sign-in service, not something you did. Contact support and give them the reference below.',
    'errors.forbidden.title': 'This form can no longer be used',
    'errors.forbidden.action': 'Forms expire after a few minutes or when opened in another tab. Go back, reload the page and try again.',
    'errors.notFound.title': 'This page does not exist',
    'errors.notFound.action': 'Check the address, or go back to the application and start again from there.',
    'errors.tooMany.title': 'Too many attempts',
    'errors.tooMany.action': 'For your security, this is paused for a while. Wait a few minutes, then try again.',
    'errors.unavailable.title': 'The service is briefly unavailable',
    'errors.unavailable.action': 'Wait a moment and reload the page.',
    'errors.server.title': 'Something went wrong on our side',
    'errors.server.action': 'Try again in a moment. If it keeps happening, contact support and give them the reference below.',
  },
  fr: {
    'errors.pageTitle': 'Un problème est survenu',
    'errors.request.title': 'Nous n’avons pas pu traiter cette demande',
    'errors.request.action': 'Revenez à l’application et réessayez. Si le problème persiste, contactez l’assistance en indiquant la référence ci-dessous.',
    'errors.saml.title': 'L’application a envoyé une demande de connexion que nous ne pouvons pas accepter',
    'errors.saml.action':
      'Il s’agit en général d’un problème de configuration entre l’application et le service de connexion, pas d’une erreur de votre part. Contactez l’assistance en indiquant la référence ci-dessous.',
    'errors.forbidden.title': 'Ce formulaire n’est plus utilisable',
    'errors.forbidden.action':
      'Un formulaire expire après quelques minutes ou s’il est ouvert dans un autre onglet. Revenez en arrière, rechargez la page et réessayez.',
    'errors.notFound.title': 'Cette page n’existe pas',
    'errors.notFound.action': 'Vérifiez l’adresse, ou revenez à l’application et recommencez depuis celle-ci.',
    'errors.tooMany.title': 'Trop de tentatives',
    'errors.tooMany.action': 'Pour votre sécurité, cette action est suspendue un moment. Patientez quelques minutes, puis réessayez.',
    'errors.unavailable.title': 'Le service est momentanément indisponible',
    'errors.unavailable.action': 'Patientez un instant et rechargez la page.',
    'errors.server.title': 'Un problème est survenu de notre côté',
    'errors.server.action': 'Réessayez dans un instant. Si le problème persiste, contactez l’assistance en indiquant la référence ci-dessous.',
  },
} as const;
