// Ambient declarations for tsc --checkJs over the widget's scripts (docs/widget.md, "Source
// layout"): what the page's window carries, and browser features lib.dom lacks. Not served.

/** One widget's options: its data- attributes, overridden by render()'s (docs/widget.md, "Data attributes"). */
interface WidgetOptions {
  sitekey?: string;
  theme?: string;
  lang?: string;
  language?: string;
  auto?: string;
  size?: string;
  callback?: string | ((token: string) => void);
  'expired-callback'?: string | (() => void);
  'error-callback'?: string | ((code: string) => void);
  api?: string;
  name?: string;
  fields?: string | boolean;
  origin?: string;
  'privacy-url'?: string;
  /** the hidden inputs the token is written to; [] writes none (iframe page, shims) */
  names?: string[];
  [option: string]: unknown;
}

/** The detail of astracaph:error, and what execute() rejects with. */
interface WidgetError { error: string; message: string; reasons: string[] }

/** The server's visual step (docs/widget.md, "What the visitor sees"). */
interface VisualChallenge {
  id: string;
  image: string;
  audio: string;
  length?: number;
  expiresAt?: number;
  /** the heavier proof of work that replaces the code */
  wait?: Challenge;
}

/** A compatibility shim's API (compat.js): the other CAPTCHA's names over window.astracaph. */
interface Shim {
  render(el: string | Element, o?: { [k: string]: any }): string | number;
  [name: string]: any;
}

interface Window {
  astracaph?: typeof api;
  turnstile?: Shim;
  hcaptcha?: Shim;
  grecaptcha?: Shim;
  // Automation and runtime leaks the environment signals look for.
  process?: { versions?: { node?: string } };
  Bun?: unknown;
  Deno?: unknown;
  chrome?: unknown;
  /** callbacks named in options (data-callback="fn", ?onload=fn) are window properties */
  [name: string]: unknown;
}

interface Navigator {
  deviceMemory?: number;
  userAgentData?: { platform: string; mobile: boolean };
  brave?: { isBrave?: () => Promise<boolean> };
}

interface Element {
  /** the widget rendered into this container */
  __astracaph?: Instance;
}

// The events a widget dispatches on its container (docs/widget.md, "Events").
interface HTMLElementEventMap {
  'astracaph:verified': CustomEvent<{ token: string }>;
  'astracaph:error': CustomEvent<WidgetError>;
  'astracaph:expired': CustomEvent<{}>;
}

// The document event the challenge's environment check dispatches with its answer.
interface DocumentEventMap {
  'astracaph:proof': CustomEvent<{ id: string; v: unknown }>;
}

/** The telemetry's environment section (docs/risk.md, "Environment (`env`)"). */
interface Env {
  wd: boolean;
  hlUA: boolean;
  hlWorkerUA: boolean;
  autoMarks: string[];
  runtimeLeak: boolean;
  stackMarks: string[];
  lies: number;
  workerMismatch: string[];
  chromeObj: boolean;
  plugins: number;
  pdf: boolean;
  langs: number;
  lang: string;
  gl: GLInfo;
  uaData: { platform: string; mobile: boolean } | null;
  platformEst: string;
  mtp: number;
  touchEv: boolean;
  win: number[];
  /** width, height, availWidth, availHeight: undefined (null in JSON) where the page has no screen */
  scr: Array<number | undefined>;
  dpr: number;
  focused: boolean;
  tz: string;
  tzOff: number;
  hc: number;
  dm: number;
  /** a privacy browser recognised by its shape: brave, rfp, tor */
  privacy: string | null;
}

/** The WebGL renderer's class; the raw string (r) is cut to 64 characters. */
interface GLInfo { class: string; vendorClass?: string; blocked?: boolean; r?: string }

/** A redemption's tie to its challenge (telemetry.js bind): the challenge's id, when it
 * arrived and how long solving took (ms since the telemetry started), and the environment
 * check's answer. */
interface Binding { id: unknown; rcv: number; sol: number; proof: string | null }
