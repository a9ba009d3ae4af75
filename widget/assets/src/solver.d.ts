// Types of the proof-of-work protocol between pow.js and worker.js (docs/widget.md,
// "Source layout"), for tsc --checkJs; nothing here is served.

/** A challenge as /api/v1/challenge sends it: ALTCHA PoW v2, or v1 (algorithm, challenge, salt). */
interface Challenge {
  parameters?: {
    algorithm: string;
    nonce: string;
    salt: string;
    cost?: number;
    keyLength?: number;
    keyPrefix?: string;
    data?: { counterMin?: number; counterMax?: number; expectedCounter?: number; challengeId?: string; [k: string]: unknown };
    [k: string]: unknown;
  };
  signature?: string;
  algorithm?: string;
  challenge?: string;
  salt?: string;
  maxnumber?: number;
  maxNumber?: number;
  /** set by request() from X-Astracaph-Interaction: the redemption waits for a trusted activation */
  interaction?: boolean;
  /** offered when the server accepts Private Access Tokens (privatetoken.js) */
  privateToken?: { url?: unknown };
  [k: string]: unknown;
}

/** What a solver reports: worker.js posts these, the main-thread solver passes them to emit. */
type PowMessage =
  | { type: 'env'; ua: string; platform: string; hc: number; langs: string; wd: boolean }
  | { type: 'progress'; n: number }
  | { type: 'solution'; counter: number; derivedKey: string; time: number; n: number }
  | { type: 'error'; message: string };

/** The main-thread solver worker.js defines when loaded with <script>; it returns abort. */
type PowSolver = (ch: Challenge, depth: number, emit: (m: PowMessage) => void) => () => void;

declare var __astracaphPow: PowSolver | undefined;

interface WorkerNavigator {
  webdriver?: boolean;
}

/** The worker's view of its environment, compared with the page's (envproof.js workerEnv). */
type PowEnv = Extract<PowMessage, { type: 'env' }>;
