// Typed errors for bad input, so callers (the tenants file, the HTTP API, activities) can tell a
// person what to fix, and Temporal retry policies can treat them as non-retryable by name.

export class UnknownTenantError extends Error {
  override name = 'UnknownTenantError';
  constructor(readonly tenantId: string) {
    super(`unknown tenant '${tenantId}'`);
  }
}

export class DuplicateRecordedUserError extends Error {
  override name = 'DuplicateRecordedUserError';
  constructor(readonly tenantId: string, readonly zoomUserId: string) {
    super(`tenant '${tenantId}' already has a recorded user with Zoom user id '${zoomUserId}'`);
  }
}

export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(readonly what: string, readonly problems: string[]) {
    super(`invalid ${what}: ${problems.join('; ')}`);
  }
}
