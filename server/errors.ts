// Typed errors thrown by services; the one error handler turns them into pages or JSON.
// Anything a viewer may not see is a NotFoundError (404), never a 403, so nothing leaks.

export interface FieldError {
  /** catalog key of the message */
  key: string;
  params?: Record<string, unknown>;
}

export abstract class AppError extends Error {
  abstract readonly statusCode: number;
  /** catalog key shown to the person */
  abstract readonly messageKey: string;
  params: Record<string, unknown> = {};
}

export class ValidationError extends AppError {
  readonly statusCode = 422;
  readonly messageKey = 'errors.validation';
  fields: Record<string, FieldError>;
  constructor(fields: Record<string, FieldError>) {
    super(`Invalid fields: ${Object.keys(fields).join(', ')}`);
    this.name = 'ValidationError';
    this.fields = fields;
  }
}

export class NotFoundError extends AppError {
  readonly statusCode = 404;
  readonly messageKey = 'errors.notFound';
  constructor(what = 'resource') {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends AppError {
  readonly statusCode = 403;
  readonly messageKey: string;
  constructor(messageKey = 'errors.forbidden', detail = 'forbidden') {
    super(detail);
    this.name = 'ForbiddenError';
    this.messageKey = messageKey;
  }
}

export class UnauthenticatedError extends AppError {
  readonly statusCode = 401;
  readonly messageKey = 'errors.loginRequired';
  constructor() {
    super('login required');
    this.name = 'UnauthenticatedError';
  }
}

export class TooManyRequestsError extends AppError {
  readonly statusCode = 429;
  readonly messageKey: string;
  retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, messageKey = 'errors.tooManyRequests') {
    super(`too many requests, retry after ${retryAfterSeconds}s`);
    this.name = 'TooManyRequestsError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
    this.messageKey = messageKey;
    this.params = { minutes: Math.max(1, Math.ceil(this.retryAfterSeconds / 60)), seconds: this.retryAfterSeconds };
  }
}
