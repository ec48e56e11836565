import { ApiError } from '../api/api-error';

/** A sentence for the user from any failure of an action. */
export function errorText(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Try again.';
  switch (error.code) {
    case 'RATE_LIMITED':
      return 'Too many attempts. Wait a moment and try again.';
    case 'UNAVAILABLE':
      return error.message || 'The service is unavailable right now. Try again shortly.';
    case 'INTERNAL':
      return 'Something went wrong on our side. Try again.';
    default:
      return error.message;
  }
}
