// Every bench scenario, in the order `npm run bench` runs them.
import type { Scenario } from '../lib/scenario.ts';
import { throughput } from './throughput.ts';

export const SCENARIOS: Scenario[] = [throughput];
