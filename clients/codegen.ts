// GraphQL Code Generator: TypeScript types for the schema and for the operations in
// src/operations.graphql, typed documents for any client, and Apollo Client's possibleTypes.
// `strictScalars` makes an unmapped custom scalar an error rather than `any`.
import type { CodegenConfig } from '@graphql-codegen/cli';

const scalars = {
  CountryCode: 'string', // ISO 3166-1 alpha-2, e.g. "LV"
  CurrencyCode: 'string', // ISO 4217, e.g. "EUR"
  LanguageCode: 'string', // ISO 639-1, e.g. "lv"
  Date: 'string', // "2023-12-04"
  DateTime: 'string', // RFC 3339 with offset, "2023-12-04T10:00:00+02:00"
  LocalTime: 'string', // "09:30"
  Decimal: 'string', // exact decimal as a string, "96352.40": never a float
};

const config: CodegenConfig = {
  // The committed SDL; a running server works too: 'http://127.0.0.1:8080/graphql'.
  schema: '../schema.graphql',
  documents: 'src/**/*.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-operations', 'typed-document-node'],
      config: { strictScalars: true, scalars, enumsAsTypes: true, useTypeImports: true },
    },
    'src/generated/possible-types.ts': {
      plugins: ['fragment-matcher'],
      config: { useExplicitTyping: true },
    },
  },
};

export default config;
