export const createSmokeActivities = () => ({
  async greet(name: string): Promise<string> {
    return `hello, ${name}`;
  },
});
export type SmokeActivities = ReturnType<typeof createSmokeActivities>;
