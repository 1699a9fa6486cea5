export * from '../session/worker-side.ts'; // moved to the session side; import from there
