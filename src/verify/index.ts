/** The verification core: a pure `decide()` and the renderings of its Verdict. */
export { decide, debFileName, type Evidence } from './decide.js';
export { explain, oneLine } from './render.js';
export { letThrough, type PackageFacts, type RebuilderOutcome, type RebuilderStatus, type Verdict, type VerdictCode } from './verdict.js';
export { refusalVerdict } from './refusal.js';
