// Lint: typescript-eslint's strict type-checked rules, plus the house rules as rules instead of prose.
// Formatting is Prettier's (eslint-config-prettier turns off the rules it owns).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

// The XML-security libraries are used only behind two folders' small APIs: a reviewer audits one place
// for how signatures are made and checked and how keys are generated.
const CONFINED = ['node-forge', 'xml-crypto', 'xml-encryption', '@xmldom/xmldom', 'samlify'];
const confinedMessage = 'node-forge, xml-crypto, xml-encryption, @xmldom/xmldom and samlify are used only inside src/saml/xml/ and src/security/';

/**
 * A LIMIT or OFFSET value in a sql`` statement goes through limitParam (src/db/sql.ts): as a bare
 * parameter of a subquery, SQLite 3.51 compiled the statement again on every run (~110 µs of a list
 * page's ~180). One rule, so that the next statement written cannot bring that back unnoticed.
 */
const limitParamRule = {
  meta: { type: 'problem', schema: [], messages: { bare: 'A LIMIT or OFFSET value in sql`` goes through limitParam() (src/db/sql.ts)' } },
  create(context) {
    return {
      TaggedTemplateExpression(node) {
        if (node.tag.type !== 'Identifier' || node.tag.name !== 'sql') return;
        const { quasis, expressions } = node.quasi;
        expressions.forEach((expr, i) => {
          if (!/\b(LIMIT|OFFSET)\s*$/i.test(quasis[i]?.value.cooked ?? '')) return;
          const wrapped = expr.type === 'CallExpression' && expr.callee.type === 'Identifier' && expr.callee.name === 'limitParam';
          if (!wrapped) context.report({ node: expr, messageId: 'bare' });
        });
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'generated/', 'prisma/.generated/', 'test/artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  prettier,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.mjs', 'bin/*.mjs', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { tessera: { rules: { 'limit-param': limitParamRule } } },
    rules: {
      'tessera/limit-param': 'error',
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { paths: CONFINED.map((name) => ({ name, message: confinedMessage })), patterns: [{ group: CONFINED.map((n) => `${n}/*`), message: confinedMessage }] },
      ],
    },
  },
  {
    files: ['src/saml/xml/**', 'src/security/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Tests: a describe block is one long function by nature; files stay short enough to read.
    files: ['test/**', 'src/**/*.test.ts'],
    rules: {
      'max-lines-per-function': 'off',
      'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The console runs in browsers: their globals, not Node's.
    files: ['console/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
