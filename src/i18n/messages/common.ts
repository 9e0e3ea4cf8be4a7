// Words every hosted page shares. Each catalog file holds one area's messages in every language;
// the English text is the reference and the type makes every other language list the same keys.
export const common = {
  en: {
    'common.back': 'Back',
    'common.continue': 'Continue',
    'common.cancel': 'Cancel',
    'common.support': 'Contact support',
    'common.reference': 'Reference',
  },
  fr: {
    'common.back': 'Retour',
    'common.continue': 'Continuer',
    'common.cancel': 'Annuler',
    'common.support': 'Contacter l’assistance',
    'common.reference': 'Référence',
  },
} as const;
