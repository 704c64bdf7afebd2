// The `json.*` keys of the config schema (schema.ts puts them under `json`): the field names of JSON input, by
// preset or one by one, and the unit of numeric timestamps. Checked further by json-input.ts (cross-checks).
import { type TOptional, type TString, Type } from '@sinclair/typebox';

import { JSON_FIELDS, JSON_PRESETS, TIMESTAMP_UNITS } from './json-input.js';
import { Section, StringEnum } from './schema-helpers.js';

const FIELD_KEYS = Object.fromEntries(
  JSON_FIELDS.map((f) => [
    f,
    Type.Optional(
      Type.String({
        minLength: 1,
        description: `The input's key for \`${f}\` (over the preset's); a dotted name (\`http.request.method\`) is a path into nested objects or a literal dotted key. Unset: the preset's, else \`${f}\`.`,
      }),
    ),
  ]),
) as { [K in (typeof JSON_FIELDS)[number]]: TOptional<TString> };

export const JSON_SECTION = Section(
  {
    preset: Type.Optional(
      StringEnum(JSON_PRESETS, {
        description:
          'Read JSON lines under the field names of a server\'s JSON log format: `nginx`, `apache` or `ecs` ' +
          '(Elastic Common Schema); README "Input formats" has the names and the log formats. Unset: the seed\'s names.',
      }),
    ),
    fields: Section(FIELD_KEYS, 'Input key per field of a JSON line, for inputs that name them differently (`@timestamp`, `remote_addr`, …).'),
    timestampUnit: StringEnum(TIMESTAMP_UNITS, {
      default: 'ms',
      description:
        'What a number in the timestamp field counts: `ms` (epoch milliseconds, the seed\'s) or `s` (epoch seconds, ' +
        'fraction allowed, e.g. nginx `$msec`; with `s` a string of digits is read too). ISO 8601 strings are read either way.',
    }),
  },
  'JSON input: field names and timestamp unit.',
);
