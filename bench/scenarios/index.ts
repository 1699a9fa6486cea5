// Every bench scenario, in the order `npm run bench` runs them.
import type { Scenario } from '../lib/scenario.ts';
import { throughput } from './throughput.ts';
import { scaling } from './scaling.ts';
import { viewers } from './viewers.ts';
import { seek } from './seek.ts';
import { latency } from './latency.ts';
import { memory } from './memory.ts';
import { cryptoFloor } from './crypto-floor.ts';
import { peers } from './peers.ts';
import { actors } from './actors.ts';

export const SCENARIOS: Scenario[] = [throughput, scaling, viewers, seek, latency, memory, cryptoFloor, peers, actors];
