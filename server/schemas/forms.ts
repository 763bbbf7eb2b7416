// Form bodies: every field is an optional string (the service says what is missing, next to the
// field), unknown fields are dropped, and a repeated key (an array) is refused with a 400.
import Type, { type TProperties, type TSchema } from 'typebox';

const MAX_FIELD = 10_000;

export const text = (maxLength = MAX_FIELD) => Type.Optional(Type.String({ maxLength }));

export function formBody<P extends TProperties>(properties: P): TSchema {
  return Type.Object({ _csrf: text(200), ...properties }, { additionalProperties: false });
}

export const idParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) }, { additionalProperties: false });

export const cursorQuery = Type.Object(
  { before: Type.Optional(Type.String({ maxLength: 100 })), notice: Type.Optional(Type.String({ maxLength: 40 })) },
  { additionalProperties: false },
);

export const noticeQuery = Type.Object(
  { notice: Type.Optional(Type.String({ maxLength: 40 })), next: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);
