// The building blocks of the config schema (schema.ts): durations, string enums and sections, each compiled to
// the JSON Schema form whose Ajv errors read well.
import { Type, type TSchema } from '@sinclair/typebox';

/**
 * A duration: "500ms", "10s", "1.5m", "1h" or an integer of milliseconds. The string form is checked by the
 * `duration` format, which load.ts registers with Ajv using duration.ts, so the schema and the parser agree.
 */
export function Duration(defaultValue: string, description: string) {
  return Type.Unsafe<string | number>({
    type: ['string', 'integer'],
    format: 'duration',
    minimum: 0,
    default: defaultValue,
    description: `${description} A duration: "500ms", "10s", "5m", "1h" or a number of milliseconds.`,
  });
}

/** A string enum as JSON Schema `enum` (TypeBox's literal unions compile to anyOf, whose errors are noise). */
export function StringEnum<const T extends readonly string[]>(values: T, options: { default?: T[number]; description: string }) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** A group of keys; its default `{}` lets every key inside take its own default. */
export function Section<P extends Record<string, TSchema>>(properties: P, description: string) {
  return Type.Object(properties, { additionalProperties: false, default: {}, description });
}

/** Permission bits as a string of octal digits ("0640"); `format` (file-mode, dir-mode) checks what the owner needs. */
export function PermissionMode(format: 'file-mode' | 'dir-mode', defaultValue: string, of: string) {
  return Type.String({ format, default: defaultValue, description: `Permissions (octal, a string) of ${of} A stricter process umask still applies.` });
}
