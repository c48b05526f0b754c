/** Zoom's error body `{code, message}` with the HTTP status Zoom uses for it (REFERENCE.md §9). */
export class ZoomError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly errors?: { field: string; message: string }[],
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return this.errors ? { code: this.code, message: this.message, errors: this.errors } : { code: this.code, message: this.message };
  }
}

export const invalidToken = (): ZoomError => new ZoomError(401, 124, 'Invalid access token.');
export const expiredToken = (): ZoomError => new ZoomError(401, 124, 'Access token has expired.');
export const missingToken = (): ZoomError => new ZoomError(401, 124, 'Requires an access token.');
export const validation = (field: string, message: string): ZoomError =>
  new ZoomError(400, 300, message, {}, [{ field, message }]);
export const userNotFound = (): ZoomError => new ZoomError(404, 1001, 'User does not exist: ');
export const meetingNotFound = (): ZoomError => new ZoomError(404, 3001, 'Meeting does not exist.');
export const noRecording = (): ZoomError => new ZoomError(404, 3301, 'There is no recording for this meeting.');
export const badPageToken = (): ZoomError => new ZoomError(400, 300, 'The next page token is either invalid or expired.');
