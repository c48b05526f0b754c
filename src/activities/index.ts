// Activities are built by a factory that receives their dependencies (database, media store,
// Zoom clients), so the worker hands in the real ones and tests hand in what they need.
export const createActivities = () => ({});

export type Activities = ReturnType<typeof createActivities>;
