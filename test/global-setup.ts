// Runs once before the suite. Stages that need shared fixtures (the synced corpus) add them here.
export default async function setup(): Promise<void> {}
